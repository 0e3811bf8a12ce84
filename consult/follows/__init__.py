"""Follows: people with an account follow a region, a consultation or an organisation and
get an email (at once or in a daily digest) when something happens there."""
