"""What a page, an export or a command shows, made ready: a comparison with its redlines, the comment matrix.

Presenters take what the selectors chose (so visibility is already applied) and lay it out; they
write nothing.
"""
