"""What every area of the web layer shares: the base template's context, the middleware, the
error door, stored files, redirects, query parameters, form fields and small page helpers.
Nothing here imports an area."""
