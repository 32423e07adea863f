using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Multiplex;

/// <summary>
/// Drives every run of one <see cref="ControlledPhaseGenerator"/> to its end, one step at a time (a file of a random open
/// phase, or that phase's end), in a random order over the runs, and only as fast as a reader takes events: each step
/// waits for a credit, and the reader gives one back per event it receives. Each step appends at least one event, so the
/// two never wait for each other at once; the runs move while the stream is being cut and resumed.
/// </summary>
public sealed class PacedRunDriver(ControlledPhaseGenerator generator, int phases, SemaphoreSlim credits, Random random)
{
    /// <summary>Steps taken.</summary>
    public int Steps { get; private set; }

    /// <summary>Drives until <c>phases</c> phases (runs × phases per run) have ended.</summary>
    public async Task RunAsync()
    {
        var open = new List<(ControlledPhase Phase, int Files, int Target)>();
        var asked = 0;
        var ended = 0;
        var next = generator.NextPhaseAsync();
        while (ended < phases)
        {
            if (next is not null && (next.IsCompleted || open.Count == 0))
            {
                open.Add((await next, 0, random.Next(1, 4)));
                next = ++asked < phases ? generator.NextPhaseAsync() : null;
                continue;
            }

            (await credits.WaitAsync(AsyncTestExtensions.Patience)).Should().BeTrue("the reader takes the events of the steps before");
            var index = random.Next(open.Count);
            var (phase, files, target) = open[index];
            if (files < target)
            {
                phase.Yield($"src/{phase.Context.Phase.Number}/File{files}.cs", $"// {phase.Context.GenerationId} {files}");
                open[index] = (phase, files + 1, target);
            }
            else
            {
                phase.Complete();
                open.RemoveAt(index);
                ended++;
            }

            Steps++;
        }
    }
}
