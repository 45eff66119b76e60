"""Capacity planning (`rubench plan`): the RU/s, partitions and money a traffic level needs."""
