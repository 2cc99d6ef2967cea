"""The opening app's REST API (/api/v1/opening/): the open catalog's decisions and on-application
opening, over the same services, access rules and workflow tables as the /open/manage/ and
/open/applications/ pages, so the audit, the rules and the notifications are the pages' own."""
