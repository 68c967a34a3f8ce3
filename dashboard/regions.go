package dashboard

import "github.com/ixpobs/ixpobs/geo"

// regionMatches reports whether country cc belongs to the region id given
// in a query: a continent id (south-america), lac, or a UN sub-region
// (un-caribbean). PeeringDB's own continent names are matched by the
// caller.
func regionMatches(region, cc string) bool {
	return geo.InRegion(cc, region)
}
