"""The REST API (Django REST framework, OpenAPI 3 from drf-spectacular): the same reads and writes as
the pages, through the same access decision, selectors and services. Hidden things answer 404."""
