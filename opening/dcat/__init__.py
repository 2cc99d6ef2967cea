"""The open catalog as DCAT-AP 3 (RDF): the graph (``graph``), its vocabularies, places and paging, the
syntaxes and content negotiation (``serialize``) and the views that serve them."""
