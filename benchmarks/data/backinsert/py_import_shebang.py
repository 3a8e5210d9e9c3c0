#!/usr/bin/env python3
# -*- coding: utf-8 -*-


def stamp():
    """Now as ISO text."""
    return datetime.datetime.now().isoformat()
