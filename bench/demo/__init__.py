"""`rubench demo`: the three jobs on a fresh machine, against the local emulator."""
