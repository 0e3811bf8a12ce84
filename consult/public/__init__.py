"""The public pages, reading across every domain (see :mod:`consult.public.views`)."""
