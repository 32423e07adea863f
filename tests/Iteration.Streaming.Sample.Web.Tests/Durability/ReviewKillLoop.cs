using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Sample.Web.Tests.Durability;

/// <summary>
/// Runs reviewed generations (<c>review: {plan: true, after_phases: [1]}</c>) on the sample host in a child process and
/// answers their gates over HTTP, killing the host (SIGKILL) in turns: while a run has just stopped at a gate, and
/// right after an input's 202 (before the run's next events). Each input is sent once; it is sent again only when the
/// connection failed, and then a 409 counts only if the log ends up holding its <c>input_received</c>.
/// </summary>
internal sealed class ReviewKillLoop
{
    private const int LiveGenerations = 3;
    private readonly List<ReviewedRun> _runs = [];
    private readonly string _data = Directory.CreateTempSubdirectory("iteration-review-kill-loop-").FullName;
    private readonly int _port = SampleProcess.FreePort();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _freshGates;

    /// <summary>The inputs each run gets, per gate: the plan is approved; at phase 1 a path is locked (the run keeps waiting), then approved.</summary>
    public static readonly object[][] InputsPerGate =
    [
        [new { action = "approve" }],
        [new { action = "lock", paths = new[] { "docs/keep-as-is.md" } }, new { action = "approve" }],
    ];

    public IReadOnlyList<ReviewedRun> Runs => _runs;

    public int KillsWhileWaiting { get; private set; }

    public int KillsAfterAccepted { get; private set; }

    public Dictionary<string, string>? ReferenceFiles { get; private set; }

    public Dictionary<string, Dictionary<string, string>> Files { get; } = [];

    private static string[] Settings =>
    [
        "--Demo:FileDelay=00:00:00.005",
        "--IterationStreaming:RetryInterval=00:00:00.100",
        "--IterationStreaming:MaxResumeAttempts=1000",
        "--IterationStreaming:MaxConcurrentGenerations=4",
        "--IterationStreaming:TerminalGracePeriod=01:00:00",
    ];

    public async Task RunAsync(int stops)
    {
        for (var cycle = 0; cycle < stops; cycle++)
        {
            var afterAccepted = cycle % 2 == 1;
            await using var host = await SampleProcess.StartAsync(_data, _port, Settings);
            using var client = Client();
            using var stop = new CancellationTokenSource();
            var readers = new List<Task>();
            _freshGates = 0;
            try
            {
                while (true)
                {
                    var changed = Changed;
                    await TopUpAsync(client, readers, stop.Token);
                    if (!afterAccepted && Volatile.Read(ref _freshGates) > 0)
                    {
                        KillsWhileWaiting++;
                        break;
                    }

                    if (await SendPendingAsync(client, stopAfterFirst: afterAccepted) && afterAccepted)
                    {
                        KillsAfterAccepted++;
                        break;
                    }

                    await changed.WithPatience();
                }
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException(
                    $"Cycle {cycle}: runs at {string.Join(", ", _runs.Select(r => $"{r.Watcher.LastId}:{(r.Watcher.Received is [.., var e] ? e.Event.Stage : "-")}"))}. Host output:\n{string.Join('\n', host.Output.TakeLast(40))}",
                    ex);
            }

            await host.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(readers).WithPatience();
        }

        await using var last = await SampleProcess.StartAsync(_data, _port, Settings);
        using var final = Client();
        var reference = await GenerationWatcher.StartAsync(final, "Review kill loop reference", "User", "Task");
        var watchers = _runs.Select(r => r.Watcher).Append(reference).ToList();
        while (watchers.Any(w => !w.IsFinished))
        {
            var reading = Task.WhenAll(watchers.Select(w => w.ReadAsync(final, Pulse, CancellationToken.None)));
            while (!reading.IsCompleted)
            {
                var changed = Changed;
                await SendPendingAsync(final, stopAfterFirst: false);
                await Task.WhenAny(reading, changed).WithPatience();
            }
        }

        ReferenceFiles = await KillLoop.FilesAsync(final, reference);
        foreach (var run in _runs)
        {
            Files[run.Watcher.GenerationId] = await KillLoop.FilesAsync(final, run.Watcher);
        }

        await last.TerminateAsync();
    }

    public void DeleteData()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private HttpClient Client() => new() { BaseAddress = new Uri($"http://127.0.0.1:{_port}"), Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Keeps <see cref="LiveGenerations"/> runs going and a reader on each live one.</summary>
    private async Task TopUpAsync(HttpClient client, List<Task> readers, CancellationToken stop)
    {
        if (readers.Count == 0)
        {
            readers.AddRange(_runs.Where(r => !r.Watcher.IsFinished).Select(r => Read(client, r, stop)));
        }

        while (_runs.Count(r => !r.Watcher.IsFinished) < LiveGenerations)
        {
            var watcher = await GenerationWatcher.StartReviewedAsync(client, $"Review kill loop app {_runs.Count}", plan: true, afterPhases: [1], "User", "Task");
            var run = new ReviewedRun(watcher);
            _runs.Add(run);
            readers.Add(Read(client, run, stop));
        }
    }

    private Task Read(HttpClient client, ReviewedRun run, CancellationToken stop) =>
        run.Watcher.ReadAsync(client, () =>
        {
            if (run.Watcher.Received[^1].Event.Stage == GenerationStages.AwaitingInput)
            {
                Interlocked.Increment(ref _freshGates);
            }

            Pulse();
        }, stop);

    /// <summary>Completes when any watcher receives an event after this was read.</summary>
    private Task Changed => Volatile.Read(ref _changed).Task;

    private void Pulse() =>
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Sends the next input of every run waiting for one; returns whether one was accepted (202).</summary>
    private async Task<bool> SendPendingAsync(HttpClient client, bool stopAfterFirst)
    {
        var any = false;
        foreach (var run in _runs)
        {
            while (run.NextInput() is { } next)
            {
                if (!await SendAsync(client, run, next))
                {
                    return any;
                }

                any = true;
                if (stopAfterFirst)
                {
                    return true;
                }
            }
        }

        return any;
    }

    /// <returns>Whether the input is settled (accepted, or refused as already answered after a lost connection).</returns>
    private static async Task<bool> SendAsync(HttpClient client, ReviewedRun run, (int Gate, int Index, object Body) next)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/generations/{run.Watcher.GenerationId}/input")
        {
            Content = JsonContent.Create(next.Body),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", run.Watcher.ControlToken);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request);
        }
        catch (HttpRequestException)
        {
            // The connection failed: whether the host took it is unknown; send it again on the next host.
            run.Uncertain = true;
            return false;
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Conflict && run.Uncertain)
            {
                // Sent before a lost connection and taken then: the log must show its input_received (checked at the end).
                run.Accepted.Add((next.Gate, next.Index, EventId: null));
                run.Uncertain = false;
                return true;
            }

            var body = await response.Content.ReadAsStringAsync();
            response.StatusCode.Should().Be(HttpStatusCode.Accepted, $"input {next.Index} at gate {next.Gate} of {run.Watcher.GenerationId} is sent once, at its gate: {body}");
            var accepted = System.Text.Json.JsonSerializer.Deserialize(body, IterationStreamingJson.GenerationInputAccepted)!;
            accepted.EventId.Should().NotBeNull("the input_received is written before the 202");
            run.Accepted.Add((next.Gate, next.Index, accepted.EventId));
            run.Uncertain = false;
            return true;
        }
    }
}

/// <summary>One reviewed generation of the loop: its watcher and the inputs the host accepted for it.</summary>
internal sealed class ReviewedRun(GenerationWatcher watcher)
{
    public GenerationWatcher Watcher => watcher;

    public List<(int Gate, int Index, long? EventId)> Accepted { get; } = [];

    public bool Uncertain { get; set; }

    /// <summary>The gate events received, in order.</summary>
    public List<StreamingProgressEvent> Gates =>
        [.. watcher.Received.Select(e => e.Event).Where(e => e.Stage == GenerationStages.AwaitingInput)];

    /// <summary>The next input to send: the run is at a gate (its last gate event seen) and that gate has inputs left.</summary>
    public (int Gate, int Index, object Body)? NextInput()
    {
        var gate = Gates.Count - 1;
        if (gate < 0 || gate >= ReviewKillLoop.InputsPerGate.Length || watcher.IsFinished)
        {
            return null;
        }

        var index = Accepted.Count(a => a.Gate == gate);
        return index < ReviewKillLoop.InputsPerGate[gate].Length ? (gate, index, ReviewKillLoop.InputsPerGate[gate][index]) : null;
    }
}
