// Most of these tests wait on sockets and on once-a-second keep-alive heartbeats rather than on the CPU, so the
// default of one running test class per core would leave the run idling for seconds: let more classes overlap.
[assembly: CollectionBehavior(MaxParallelThreads = 8)]
