-- wrk script for load.sh's "stream" case: the video segments of one stream, /video/<stream>/seg-<n>.ts, each request
-- the next segment (a ring of 10,000), paid with the one scrip of the -H header. The first request of the stream is
-- charged and entitles the buyer to the stream for the rule's window (4 h); every later segment passes on the
-- entitlement, which is what this case measures.
local segment = 0

request = function()
  segment = segment % 10000 + 1
  return wrk.format(nil, "/video/one/seg-" .. segment .. ".ts")
end
