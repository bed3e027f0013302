"""The theme engine: Dutch text handling, vectors, topic assignment, clustering, phrasing."""
