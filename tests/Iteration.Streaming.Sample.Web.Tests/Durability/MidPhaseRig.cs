using System.Security.Cryptography;
using System.Text;
using Iteration.Streaming.Events;
using Iteration.Streaming.TestHost.Responses;

namespace Iteration.Streaming.Sample.Web.Tests.Durability;

/// <summary>
/// The sample host in child processes talking to the fake Responses endpoint (in this process) with
/// <c>--Chat:Api=responses</c>: starts a generation, holds the model's answer of <see cref="Phase"/> at a cut and reads
/// the stream until the live deltas reach it, so a test kills the host there; then checks what a user would.
/// </summary>
internal sealed class MidPhaseRig : IAsyncDisposable
{
    /// <summary>The phase cut in the middle (phase 1 is saved before it).</summary>
    public const int Phase = 2;

    private MidPhaseRig(FakeResponsesServer server)
    {
        Server = server;
    }

    public FakeResponsesServer Server { get; }

    /// <summary>The data folder the hosts share.</summary>
    public string Data { get; } = Directory.CreateTempSubdirectory("iteration-mid-phase-").FullName;

    /// <summary>The settings every host gets: the fake model through the Responses API.</summary>
    public string[] Settings =>
    [
        $"--Chat:Endpoint={Server.Endpoint}",
        $"--Chat:Model={FakeResponsesServer.Model}",
        "--Chat:Api=responses",
        "--IterationStreaming:RetryInterval=00:00:00.100",
        // Every live report checkpointed: the tests assert where the continuation starts (the default 1 s interval
        // lets a checkpoint be up to a second older, so a continuation repeats that text; tested in the core).
        "--IterationStreaming:Checkpoints:Interval=00:00:00",
        "--IterationStreaming:TerminalGracePeriod=01:00:00",
    ];

    public static async Task<MidPhaseRig> StartAsync() => new(await FakeResponsesServer.StartAsync());

    public static HttpClient Client(int port) => new() { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = AsyncTestExtensions.Patience };

    /// <summary>
    /// Holds phase <see cref="Phase"/>'s answer at <paramref name="cut"/>, starts a generation on
    /// <paramref name="client"/> and reads its stream until a live delta of the cut's file reaches the cut.
    /// </summary>
    public async Task<GenerationWatcher> StartAndReachAsync(HttpClient client, ResponsesCut cut)
    {
        Server.HoldAt(cut.AnswerCharacters, Phase);
        var watcher = await GenerationWatcher.StartAsync(client, "Build a task tracker", "User");
        using var reached = new CancellationTokenSource();
        try
        {
            await watcher.ReadAsync(client, () =>
            {
                if (Reaches(watcher.Received[^1].Event, cut))
                {
                    reached.Cancel();
                }
            }, reached.Token).WithPatience();
        }
        catch (TimeoutException ex)
        {
            var last = watcher.Received.TakeLast(3).Select(e => $"{e.Id} {e.Event.Stage} {e.Event.Message} {string.Join(",", e.Event.PartialOutput?.Select(p => p.Key + "=" + (p.Key == "text" ? p.Value.GetString()?.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) : p.Value.ToString())) ?? [])}");
            throw new TimeoutException($"The live deltas did not reach {cut}; last events:\n{string.Join('\n', last)}\nresponses: {string.Join(", ", Server.Responses.Select(r => $"phase {r.Answer.Phase}: {r.ProducedCharacters}"))}", ex);
        }
        watcher.Received.Should().Contain(e => Reaches(e.Event, cut), "the host streamed the phase up to the cut before it was killed");
        return watcher;
    }

    /// <summary>Reads the stream on <paramref name="client"/> (resuming with Last-Event-ID) until the generation ends.</summary>
    public static async Task ReadToEndAsync(GenerationWatcher watcher, HttpClient client)
    {
        using var patience = new CancellationTokenSource(AsyncTestExtensions.Patience);
        while (!watcher.IsFinished)
        {
            patience.Token.ThrowIfCancellationRequested();
            await watcher.ReadAsync(client, static () => { }, patience.Token);
        }
    }

    /// <summary>The run completed, and the watcher saw ids 1..N, each once, in order.</summary>
    public static void AssertCompletedWithContiguousIds(GenerationWatcher watcher)
    {
        watcher.Received[^1].Event.Status.Should().Be(GenerationStatus.Completed, watcher.Received[^1].Event.Error);
        watcher.Received.Select(e => e.Id).Should().Equal(Enumerable.Range(1, watcher.Received.Count).Select(i => (long)i));
    }

    /// <summary>The phases the run saved.</summary>
    public static int PhasesSaved(GenerationWatcher watcher) =>
        watcher.Received.Count(e => e.Event.Stage.StartsWith("phase_", StringComparison.Ordinal) && e.Event.Stage.EndsWith("_complete", StringComparison.Ordinal));

    /// <summary>The output tokens <c>phase_{n}_complete</c> reports for phase <paramref name="phase"/>.</summary>
    public static long OutputTokensOf(GenerationWatcher watcher, int phase) =>
        watcher.Received.Single(e => e.Event.Stage == GenerationStages.PhaseComplete(phase)).Event.PartialOutput!["usage"].GetProperty("output_tokens").GetInt64();

    /// <summary>The files of an uninterrupted run (the fake's answers are deterministic): path to SHA-256.</summary>
    public static Dictionary<string, string> UninterruptedFiles(int phases) =>
        Enumerable.Range(1, phases)
            .SelectMany(p => ResponsesAnswer.ForPhase(p).Files)
            .ToDictionary(f => f.Path, f => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(f.Content))), StringComparer.Ordinal);

    /// <summary>The output tokens an uninterrupted run is billed: each phase's answer once.</summary>
    public static long UninterruptedTokens(int phases) =>
        Enumerable.Range(1, phases).Sum(p => ResponsesAnswer.Tokens(ResponsesAnswer.ForPhase(p).Text.Length));

    /// <summary>The responses the fake created for phase <see cref="Phase"/>.</summary>
    public int PhaseResponses => Server.Responses.Count(r => r.Answer.Phase == Phase);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(Data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static bool Reaches(StreamingProgressEvent e, ResponsesCut cut) =>
        e.Stage == GenerationStages.PhaseProgress(Phase)
        && e.PartialOutput is { } output
        && output.TryGetValue(LiveOutputKeys.File, out var file) && file.GetString() == cut.File
        && output.TryGetValue(LiveOutputKeys.Offset, out var offset) && output.TryGetValue(LiveOutputKeys.Text, out var text)
        && offset.GetInt32() + text.GetString()!.Length >= cut.FileCharacters;
}
