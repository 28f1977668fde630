"""Readers of the social value app's files: the measures catalogue (catalogue.py) and
commitments and delivery returns (commitments.py). They parse and validate rows, naming the row
and field of every problem; the services write."""
