using System.Diagnostics;
using System.Runtime.CompilerServices;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.LoadTest.Client;
using Iteration.Streaming.LoadTest.Server;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.LoadTest.Scenarios;

/// <summary>
/// Review gates (issue 23), in this process through the engine's own API: what a run waiting at a gate costs beyond an
/// ended generation (managed heap after a full collection, the same number of each, in fresh engines), that waiting
/// runs hold no slot, and the time from an approval to the next phase's <c>phase_1_started</c> in the log: on one
/// instance, and with the run waiting on instance A and the approval sent to instance B over a shared redis-server.
/// </summary>
internal static class GatesScenario
{
    private static readonly ReviewRequest PlanGate = new() { Plan = true };

    public static async Task RunAsync(LoadTestContext context)
    {
        if (!context.Options.Runs(Systems.Ours))
        {
            return;
        }

        var count = context.Quick ? 1_000 : 10_000;
        var memory = $"Review gates: {count:N0} generations ended, then {count:N0} waiting at a gate (one engine, in memory)";
        var (ended, waiting) = await HeapPerGenerationAsync(count);
        context.Table.Add(memory, "heap per ended generation (bytes)", Systems.Ours, ended, higherIsBetter: false);
        context.Table.Add(memory, "heap per waiting generation (bytes)", Systems.Ours, waiting.BytesEach, higherIsBetter: false);
        context.Table.Add(memory, "waiting beyond ended (bytes)", Systems.Ours, waiting.BytesEach - ended, higherIsBetter: false);
        context.Table.Add(memory, "a new run queued behind them (0 = they hold no slot; 64 slots)", Systems.Ours, waiting.Running, higherIsBetter: false);
        context.Table.Add(memory, "threads while all wait", Systems.Ours, waiting.Threads, higherIsBetter: false);
        LoadTestContext.Log($"gates: {ended:N0} B per ended, {waiting.BytesEach:N0} B per waiting generation; {waiting.Threads} threads, {waiting.Running} slots taken with {count:N0} waiting");

        var approvals = context.Quick ? 200 : 1_000;
        var local = $"Review gates: approve → phase_1_started, {approvals:N0} runs, 16 approvals at a time";
        await using (var engine = Engine(redis: null, instance: null))
        {
            var latency = await ApproveAsync(engine, engine, approvals);
            context.Table.Add(local, "p50 one instance (ms)", Systems.Ours, latency.P50, higherIsBetter: false);
            context.Table.Add(local, "p99 one instance (ms)", Systems.Ours, latency.P99, higherIsBetter: false);
            LoadTestContext.Log($"  one instance: p50 {latency.P50:F2} ms, p99 {latency.P99:F2} ms");
        }

        await using var redis = await RedisServerProcess.TryStartAsync(context.Options.RedisServer);
        if (redis is null)
        {
            context.Table.Note("Review gates across instances skipped: redis-server is not installed, or pass --redis-server PATH.");
            return;
        }

        await using var a = Engine(redis.Configuration, "gates-a");
        await using var b = Engine(redis.Configuration, "gates-b");
        var across = await ApproveAsync(a, b, approvals / 5);
        context.Table.Add(local, "p50 waiting on A, approved on B via Redis (ms)", Systems.Ours, across.P50, higherIsBetter: false);
        context.Table.Add(local, "p99 waiting on A, approved on B via Redis (ms)", Systems.Ours, across.P99, higherIsBetter: false);
        LoadTestContext.Log($"  A → B via Redis: p50 {across.P50:F2} ms, p99 {across.P99:F2} ms");
    }

    private static async Task<(double Ended, (double BytesEach, int Threads, int Running) Waiting)> HeapPerGenerationAsync(int count)
    {
        await using var engine = Engine(redis: null, instance: null);
        await StartAllAsync(engine, 64, waiting: false);
        await StartAllAsync(engine, 64, waiting: true);
        var before = Heap();
        var ended = await StartAllAsync(engine, count, waiting: false);
        var middle = Heap();
        var waiting = await StartAllAsync(engine, count, waiting: true);
        var after = Heap();
        GC.KeepAlive(ended);
        GC.KeepAlive(waiting);
        var running = RunningSlots(engine);
        return ((middle - before) / (double)count, ((after - middle) / (double)count, Process.GetCurrentProcess().Threads.Count, running));
    }

    private static int RunningSlots(Host host)
    {
        // Every waiting run gave back its slot: a run started now starts at once (no queued event).
        var id = host.Engine.StartAsync(new GenerationRequest("probe")).AsTask().GetAwaiter().GetResult();
        var snapshot = host.Engine.GetSnapshotAsync(id).AsTask().GetAwaiter().GetResult();
        return snapshot.LastEvent?.Stage == GenerationStages.Queued ? 1 : 0;
    }

    private static async Task<string[]> StartAllAsync(Host engine, int count, bool waiting)
    {
        var ids = new string[count];
        for (var i = 0; i < count; i += 64)
        {
            await Task.WhenAll(Enumerable.Range(i, Math.Min(64, count - i)).Select(async j =>
            {
                var id = await engine.Engine.StartAsync(new GenerationRequest("A todo app") { Review = waiting ? PlanGate : null });
                await WaitForAsync(engine.Engine, id, waiting ? GenerationStages.AwaitingInput : GenerationStages.Completed);
                ids[j] = id;
            }));
        }

        return ids;
    }

    private static async Task<(double P50, double P99)> ApproveAsync(Host waitOn, Host approveOn, int count)
    {
        var ids = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            var id = await waitOn.Engine.StartAsync(new GenerationRequest("A todo app") { Review = PlanGate });
            await WaitForAsync(waitOn.Engine, id, GenerationStages.AwaitingInput);
            ids.Add(id);
        }

        var samples = new double[count];
        using var slots = new SemaphoreSlim(16);
        await Task.WhenAll(ids.Select(async (id, i) =>
        {
            await slots.WaitAsync();
            try
            {
                var started = Stopwatch.GetTimestamp();
                var phaseStarted = WaitForAsync(approveOn.Engine, id, GenerationStages.PhaseStarted(1));
                await approveOn.Engine.SendInputAsync(id, new GenerationInputRequest { Action = InputActions.Approve });
                await phaseStarted;
                samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
            finally
            {
                slots.Release();
            }
        }));
        Array.Sort(samples);
        return (samples[(int)(0.50 * (count - 1))], samples[(int)(0.99 * (count - 1))]);
    }

    private static async Task WaitForAsync(IIterationEngine engine, string id, string stage)
    {
        await using var subscription = await engine.WatchAsync(id);
        while (await subscription.WaitToReadAsync())
        {
            while (subscription.TryRead(out var entry))
            {
                if (entry.Event.Stage == stage)
                {
                    return;
                }

                if (entry.IsTerminal)
                {
                    throw new InvalidOperationException($"Generation {id} ended ({entry.Event.Status}) before {stage}.");
                }
            }
        }
    }

    private static long Heap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static Host Engine(string? redis, string? instance)
    {
        var services = new ServiceCollection();
        var streaming = services.AddIterationStreaming(o =>
        {
            o.SigningKey = new string('k', 48);
            o.MaxQueuedGenerations = 100_000;
            o.MaxConcurrentGenerations = 64;
            o.RetainCompletedFor = TimeSpan.FromDays(1);
            o.MaxRetainedGenerations = 1_000_000;
        });
        streaming.AddPhaseGenerator(_ => new OneFileGenerator());
        streaming.AddInMemoryFileSink();
        if (redis is not null)
        {
            streaming.AddStackExchangeRedis(redis, o => o.InstanceName = instance!);
        }

        return new Host(services.BuildServiceProvider());
    }

    private sealed class Host(ServiceProvider provider) : IAsyncDisposable
    {
        public ServiceProvider Provider => provider;

        public IIterationEngine Engine { get; } = provider.GetRequiredService<IIterationEngine>();

        public ValueTask DisposeAsync() => provider.DisposeAsync();
    }

    private sealed class OneFileGenerator : IPhaseGenerator
    {
        public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            yield return GeneratedFile.FromText($"phase{context.Phase.Number}.txt", "x");
        }
    }
}
