from ninja import NinjaAPI

api = NinjaAPI(title="Incident Desk API", version="1", docs_url=None)
