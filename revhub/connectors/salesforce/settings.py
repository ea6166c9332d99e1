"""The Salesforce API version revhub speaks: pinned here and nowhere else.

simple-salesforce 1.12.10 does nothing with ``version=`` but put it in every URL
(``/services/data/v{version}/``; its own default is 59.0), so the newest version it works
with is the newest one Salesforce serves. 67.0 is Summer '26; a connection may pin an older
one with its ``api_version`` setting (an org answers a version it does not know with 404
NOT_FOUND).
https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_versions.htm
"""

API_VERSION = "67.0"
