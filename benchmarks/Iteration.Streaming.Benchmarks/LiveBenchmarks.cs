using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Iteration.Streaming.Checkpoints;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Records;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Benchmarks;

/// <summary>
/// <c>GET {prefix}/{id}/live</c> (issue 27) over real Kestrel on loopback, read whole by an <see cref="HttpClient"/>, of a
/// run held mid-file with <see cref="LiveChars"/> characters of live text (200 KB of C#-like source, written in deltas of
/// 4,000 through <c>IPhaseProgress.ReportLiveAsync</c>). Target: p99 within 5 ms. From the run on the instance that holds
/// it, and from the phase's checkpoint on a second instance sharing the stores (the in-memory ones: the store's own read
/// is the stores' benchmark). The baseline is the snapshot (<c>GET {prefix}/{id}</c>) of the same run: the route's
/// fixed cost (access check, record read, a small JSON answer) without the text. Beside them, for where the time goes:
/// the engine's read alone (the text copied out of the run under its append lock) and the answer's serialisation alone.
/// </summary>
[Config(typeof(LatencyConfig))]
[MemoryDiagnoser]
public class LiveBenchmarks
{
    public const int LiveChars = 200_000;
    private const int Delta = 4_000;
    private const string SigningKey = "iteration-streaming-benchmarks-signing-key-0123456789";

    private readonly HeldGenerator _generator = new();
    private WebApplication _runner = null!;
    private WebApplication _other = null!;
    private HttpClient _client = null!;
    private Uri _snapshot = null!;
    private Uri _live = null!;
    private Uri _liveElsewhere = null!;
    private Uri _piped = null!;
    private Uri _buffered = null!;
    private string _id = null!;
    private GenerationLive _answer = null!;
    private readonly System.Buffers.ArrayBufferWriter<byte> _buffer = new(1 << 20);

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _other.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _runner.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, Description = "snapshot of the same run (no text)")]
    public Task<long> SnapshotAsync() => ReadAsync(_snapshot);

    [Benchmark(Description = "live, 200 KB, from the run")]
    public Task<long> LiveFromRunAsync() => ReadAsync(_live);

    [Benchmark(Description = "live, 200 KB, from the checkpoint (other instance)")]
    public Task<long> LiveFromCheckpointAsync() => ReadAsync(_liveElsewhere);

    [Benchmark(Description = "what-if: no access check, piped as the endpoint writes it")]
    public Task<long> PipedWithoutAccessCheckAsync() => ReadAsync(_piped);

    [Benchmark(Description = "what-if: no access check, buffered with Content-Length")]
    public Task<long> BufferedWithoutAccessCheckAsync() => ReadAsync(_buffered);

    [Benchmark(Description = "engine GetLiveAsync alone (no HTTP), from the run")]
    public ValueTask<GenerationLive> EngineAloneAsync() => _runner.Services.GetRequiredService<Engine.IIterationEngine>().GetLiveAsync(_id);

    [Benchmark(Description = "the 200 KB answer serialised alone (no HTTP)")]
    public int SerialiseAlone()
    {
        _buffer.ResetWrittenCount();
        using var writer = new System.Text.Json.Utf8JsonWriter(_buffer);
        System.Text.Json.JsonSerializer.Serialize(writer, _answer, IterationStreamingJson.GenerationLive);
        return _buffer.WrittenCount;
    }

    private async Task<long> ReadAsync(Uri url)
    {
        using var response = await _client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var counter = new CountingStream();
        await body.CopyToAsync(counter);
        return counter.Length;
    }

    private async Task SetupAsync()
    {
        _runner = await StartAsync(_generator, shared: null);
        _other = await StartAsync(new HeldGenerator(), shared: _runner.Services);
        _client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan }) { Timeout = TimeSpan.FromSeconds(30) };

        using var start = await _client.PostAsJsonAsync(
            new Uri(new Uri(_runner.Urls.Single()), "generations"),
            new StartGenerationRequest { Prompt = "Build a task tracker", Entities = ["Task"] },
            IterationStreamingJson.StartGenerationRequest);
        var started = (await start.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse))!;
        await _generator.Held.Task.WaitAsync(TimeSpan.FromSeconds(60));
        _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", started.SseToken);
        _id = started.GenerationId;
        _snapshot = new Uri(new Uri(_runner.Urls.Single()), $"generations/{started.GenerationId}");
        _live = new Uri(new Uri(_runner.Urls.Single()), $"generations/{started.GenerationId}/live");
        _liveElsewhere = new Uri(new Uri(_other.Urls.Single()), $"generations/{started.GenerationId}/live");
        _piped = new Uri(new Uri(_runner.Urls.Single()), $"whatif/{started.GenerationId}/piped");
        _buffered = new Uri(new Uri(_runner.Urls.Single()), $"whatif/{started.GenerationId}/buffered");

        var fromRun = await _client.GetFromJsonAsync(_live, IterationStreamingJson.GenerationLive);
        var fromCheckpoint = await _client.GetFromJsonAsync(_liveElsewhere, IterationStreamingJson.GenerationLive);
        if (fromRun?.Files.SingleOrDefault()?.Text?.Length != LiveChars
            || fromCheckpoint?.Files.SingleOrDefault()?.Text != fromRun.Files[0].Text
            || fromCheckpoint?.Sequence != fromRun.Sequence)
        {
            throw new InvalidOperationException("The live answers are not the 200 KB text held, from the run and from the checkpoint alike.");
        }

        _answer = fromRun;
        Console.WriteLine($"// live answer: {SerialiseAlone()} bytes of JSON for {LiveChars} characters");
    }

    /// <summary>A host on a free loopback port; <paramref name="shared"/>: the runner's stores, for an instance that does not hold the run.</summary>
    private static async Task<WebApplication> StartAsync(IPhaseGenerator generator, IServiceProvider? shared)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var streaming = builder.Services.AddIterationStreaming(o => o.SigningKey = SigningKey).AddPhaseGenerator(_ => generator).AddInMemoryFileSink();
        if (shared is not null)
        {
            streaming.Services.AddSingleton(shared.GetRequiredService<IGenerationEventLog>());
            streaming.Services.AddSingleton(shared.GetRequiredService<IGenerationRecordStore>());
            streaming.Services.AddSingleton(shared.GetRequiredService<IPhaseCheckpointStore>());
            streaming.Services.AddSingleton(shared.GetRequiredService<IFileSink>());
        }

        var app = builder.Build();
        app.MapIterationStream();

        // What-ifs of how the answer is written, beside the endpoint (no access check: compare them with each other).
        app.MapGet("/whatif/{id}/piped", async (string id, HttpContext context, Engine.IIterationEngine engine) =>
        {
            var live = await engine.GetLiveAsync(id, context.RequestAborted);
            await context.Response.WriteAsJsonAsync(live, IterationStreamingJson.GenerationLive, contentType: null, context.RequestAborted);
        });
        app.MapGet("/whatif/{id}/buffered", async (string id, HttpContext context, Engine.IIterationEngine engine) =>
        {
            var live = await engine.GetLiveAsync(id, context.RequestAborted);
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(256 * 1024);
            using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
            {
                System.Text.Json.JsonSerializer.Serialize(writer, live, IterationStreamingJson.GenerationLive);
            }

            context.Response.ContentType = "application/json; charset=utf-8";
            context.Response.ContentLength = buffer.WrittenCount;
            await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
        });
        await app.StartAsync();
        return app;
    }

    /// <summary>Writes 200 KB of one file in deltas, then holds the phase until the run is cancelled.</summary>
    private sealed class HeldGenerator : IPhaseGenerator
    {
        public TaskCompletionSource Held { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var text = SourceFiles.Create(27, LiveChars, new Random(27));
            text = text.Length >= LiveChars ? text[..LiveChars] : text.PadRight(LiveChars, '\n');
            for (var offset = 0; offset < LiveChars; offset += Delta)
            {
                await context.Progress.ReportLiveAsync(
                    new PhaseLiveUpdate { File = "src/Services/TaskService.cs", Offset = offset, Text = text.Substring(offset, Math.Min(Delta, LiveChars - offset)) },
                    cancellationToken);
            }

            Held.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            yield break;
        }
    }

    /// <summary>Counts what the client reads, keeping none of it.</summary>
    private sealed class CountingStream : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Position;

        public override long Position { get; set; }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Position += count;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Position += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }
}
