"""The HubSpot API surface revhub speaks, pinned here and nowhere else.

CRM objects v3 (``/crm/v3/objects/{type}``, its search and batch read) and associations v4,
as hubspot-api-client 12 calls them. The search endpoint's documented limits: 200 results per
page, 10,000 per query, 4 requests per second per token.
https://developers.hubspot.com/docs/api/crm/search#limitations
"""

SEARCH_PAGE = 200
SEARCH_MAX_RESULTS = 10_000
SEARCH_PER_SECOND = 4
BATCH_READ = 100          # ids per batch read (objects and associations)
LIST_PAGE = 100           # records per page of a list (the archived bin)
# The pace before HubSpot's first answer says the app's window (X-HubSpot-RateLimit-Max): a
# private app has 100 (Free, Starter) or 190 (Professional, Enterprise) per 10 seconds, an OAuth
# app 110 per portal; a Free private app is slowed on the first answer.
PER_TEN_SECONDS = 150
OAUTH_PER_TEN_SECONDS = 100
