"""Services: the rules and queries, by capability. No FastAPI, no Request, no templates."""
