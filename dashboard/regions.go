package dashboard

// regionMatches reports whether country cc belongs to the region id given
// in a query (such as "lac"), beyond PeeringDB's own continent names.
func regionMatches(region, cc string) bool {
	return false // TODO(lead): wire geo.InRegion once the geo package lands
}
