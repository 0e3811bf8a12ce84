"""What a signed-in person sees of their own: see :mod:`consult.dashboard.views`."""
