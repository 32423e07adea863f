using System.Net;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.TestHost;

/// <summary>
/// The multiplexed stream's must-show property over HTTP: <see cref="MultiplexCutPlan.Generations"/> runs started through
/// <c>POST /generations</c> and driven by a <see cref="ControlledPhaseGenerator"/> run at once; one reader follows them
/// on one watch set (<c>from=start</c>), each connection cut at its step's point (a real socket close) and resumed with
/// <c>Last-Event-ID</c>, while the runs move on between and during connections; every step is a cut (one run is kept
/// live until the steps are done). Afterwards each member's own stream is read from the start, for
/// <see cref="MultiplexCutOutcome.Mismatches"/>.
/// </summary>
/// <remarks>
/// The host must use the <paramref name="generator"/> of <see cref="RunAsync"/>, allow that many runs at once
/// (<c>MaxConcurrentGenerations</c>) and send heartbeats often (a cut also stops at a heartbeat: nothing more to read
/// until the next step's phases are released, so no read waits on the test itself).
/// </remarks>
public static class MultiplexCutScenario
{
    /// <summary>Runs the plan on <paramref name="host"/>.</summary>
    public static async Task<MultiplexCutOutcome> RunAsync(KestrelTestHost host, ControlledPhaseGenerator generator, MultiplexCutPlan plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(plan);
        var client = host.CreateClient();
        var started = await Task.WhenAll(Enumerable.Range(0, plan.Generations).Select(_ => host.StartGenerationAsync(client))).ConfigureAwait(false);
        var watch = await client.WatchAsync(started.Select(s => (s.GenerationId, (string?)s.SseToken)), cancellationToken: cancellationToken).ConfigureAwait(false);
        var reader = client.ReaderOf(watch, from: "start");
        var driver = new Driver(generator, plan.PhaseFiles, plan.Generations);
        var step = 0;
        var status = await reader.ReadAcrossCutsAsync(
            plan.Steps.Select(s => s.Cut),
            async _ =>
            {
                var cutting = step < plan.Steps.Count;
                var release = cutting ? plan.Steps[step].PhasesToRelease : int.MaxValue;
                step++;
                await driver.ReleaseAsync(release, keepOneLive: cutting).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);

        var expected = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var run in started)
        {
            using var own = await client.GetStreamAsync(run.GenerationId, run.SseToken, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (own.StatusCode != HttpStatusCode.OK)
            {
                throw new HttpRequestException($"The own stream of {run.GenerationId} answered {(int)own.StatusCode}.");
            }

            expected[run.GenerationId] = [.. (await own.ReadAllEventsAsync(cancellationToken).ConfigureAwait(false)).Select(e => e.Data)];
        }

        return new MultiplexCutOutcome([.. started.Select(s => s.GenerationId)], reader, expected, status);
    }

    /// <summary>
    /// Releases the runs' phases in the order the engine asks for them, each doing the plan's next thing. While the test
    /// still cuts, the phase that would end the last live run is held back: the set's stream cannot end early, so every
    /// step is a cut.
    /// </summary>
    private sealed class Driver(ControlledPhaseGenerator generator, IReadOnlyList<int> phaseFiles, int runs)
    {
        private int _released;
        private int _ended;
        private (ControlledPhase Phase, int Files)? _held;

        public async Task ReleaseAsync(int count, bool keepOneLive)
        {
            for (var i = 0; i < count && _ended < runs; i++)
            {
                var (phase, files) = _held ?? (await generator.NextPhaseAsync().ConfigureAwait(false), Next());
                _held = null;
                var number = phase.Context.Phase.Number;
                var ends = files < 0 || number == phase.Context.Plan.Count;
                if (ends && keepOneLive && _ended == runs - 1)
                {
                    _held = (phase, files);
                    return;
                }

                if (files < 0)
                {
                    phase.Fail(new GenerationFailedException($"model unavailable in phase {number}"));
                }
                else
                {
                    for (var f = 0; f < files; f++)
                    {
                        phase.Yield($"src/Phase{number}/File{f}.cs", $"// {phase.Context.GenerationId} phase {number} file {f}\n");
                    }

                    phase.Complete();
                }

                if (ends)
                {
                    _ended++;
                }
            }
        }

        private int Next() => phaseFiles.Count == 0 ? 1 : phaseFiles[_released++ % phaseFiles.Count];
    }
}
