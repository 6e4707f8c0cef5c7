"""Mentions open, json and pickle in prose only; has no call that could be a site."""


def describe():
    return "open the json file and read the pickle"
