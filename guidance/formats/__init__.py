"""How dates read in each interface language, where Django's own locale formats do not suit us.

Django's formats serve the other languages (fr "31 décembre 2026 18:00", es "31 de diciembre de 2026
a las 18:00", ru "31 декабря 2026 г. 18:00", zh-hans "2026年12月31日 18:00"). English would be US
("Dec. 31, 2026, 6 p.m."; short "12/31/2026"), which half the readers of a UN draft read as the 12th of
the 31st month; Arabic has no date-and-time format at all. ``drafts.values.when`` adds the zone.
"""
