"""Who is calling: token verification, the API Gateway authorizer, sign-in and the users store."""
