using System.Net.Http.Json;
using System.Net;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Iteration.Streaming.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.TestHost;

/// <summary>
/// A real Kestrel server on 127.0.0.1 with a random port, running Iteration.Streaming: by default
/// <c>AddIterationStreaming</c> with a fixed signing key and <c>MapIterationStream()</c>. Logs go to a
/// <see cref="FakeLogCollector"/>. Dispose it to stop the server.
/// </summary>
public sealed class KestrelTestHost : IAsyncDisposable
{
    /// <summary>The signing key the host uses unless a test configures another.</summary>
    public const string SigningKey = "iteration-streaming-tests-signing-key-0123456789";

    private readonly WebApplication _app;
    private readonly List<HttpClient> _clients = [];

    private KestrelTestHost(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>The server's address, such as <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The application's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Every log record written by the host (all categories, from Trace up).</summary>
    public FakeLogCollector Logs => _app.Services.GetRequiredService<FakeLogCollector>();

    /// <summary>The host's event log.</summary>
    public IGenerationEventLog EventLog => Services.GetRequiredService<IGenerationEventLog>();

    /// <summary>
    /// The host clock's current time, to the millisecond (the wire's precision): stamp terminal events with it, since
    /// tokens expire a grace period after them.
    /// </summary>
    public DateTimeOffset Now => DateTimeOffset.FromUnixTimeMilliseconds(Services.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeMilliseconds());

    /// <summary>The host's stream token service.</summary>
    public IStreamTokenService Tokens => Services.GetRequiredService<IStreamTokenService>();

    /// <summary>The host's generation records.</summary>
    public IGenerationRecordStore Records => Services.GetRequiredService<IGenerationRecordStore>();

    /// <summary>
    /// Starts a host. <paramref name="configureServices"/> runs before <c>AddIterationStreaming</c> (so services it
    /// registers, such as a fake <see cref="TimeProvider"/>, win); <paramref name="configureStreaming"/> runs after the
    /// defaults (so a sink or a resolver it registers replaces them); <paramref name="configureApp"/> replaces the
    /// default pipeline (<c>MapIterationStream()</c>) when given. The generator defaults to an
    /// <see cref="InstantPhaseGenerator"/>; files are kept in memory unless <paramref name="fileSinkRoot"/> names a folder.
    /// </summary>
    public static async Task<KestrelTestHost> StartAsync(
        Action<IterationStreamingOptions>? configureOptions = null,
        Action<WebApplicationBuilder>? configureServices = null,
        Action<WebApplication>? configureApp = null,
        IPhaseGenerator? generator = null,
        string? fileSinkRoot = null,
        Action<IIterationStreamingBuilder>? configureStreaming = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Services.AddFakeLogging(o => o.OutputSink = null);
        configureServices?.Invoke(builder);
        var streaming = builder.Services.AddIterationStreaming(o =>
        {
            o.SigningKey = SigningKey;
            configureOptions?.Invoke(o);
        });
        generator ??= new InstantPhaseGenerator();
        streaming.AddPhaseGenerator(_ => generator);
        if (fileSinkRoot is null)
        {
            streaming.AddInMemoryFileSink();
        }
        else
        {
            streaming.AddFileSystemSink(fileSinkRoot);
        }

        configureStreaming?.Invoke(streaming);

        var app = builder.Build();
        if (configureApp is null)
        {
            app.MapIterationStream();
        }
        else
        {
            configureApp(app);
        }

        await app.StartAsync().ConfigureAwait(false);
        var address = app.Urls.Single();
        return new KestrelTestHost(app, new Uri(address.EndsWith('/') ? address : address + "/"));
    }

    /// <summary>
    /// Starts a generation through <c>POST /generations</c> and returns the 202 body.
    /// </summary>
    public async Task<GenerationStartedResponse> StartGenerationAsync(HttpClient client, string prompt = "Build a task app", IReadOnlyList<string>? entities = null, string prefix = "generations")
    {
        var request = new StartGenerationRequest { Prompt = prompt, Entities = entities ?? ["User"] };
        using var response = await client.PostAsJsonAsync(prefix, request, IterationStreamingJson.StartGenerationRequest).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new HttpRequestException($"Starting a generation answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
        }

        return (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse).ConfigureAwait(false))!;
    }

    /// <summary>A client for this host; disposed with it.</summary>
    public HttpClient CreateClient()
    {
        // Disposing an unread response cuts the connection at once, like a browser tab closing, instead of draining it.
        var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1), MaxResponseDrainSize = 0, ResponseDrainTimeout = TimeSpan.Zero })
        {
            BaseAddress = BaseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        lock (_clients)
        {
            _clients.Add(client);
        }

        return client;
    }

    /// <summary>
    /// Creates the empty log and a live record (status <c>processing</c>) of a new generation, as the engine would, and
    /// returns its id and a read token for it.
    /// </summary>
    public async Task<(string Id, string Token)> CreateGenerationLogAsync()
    {
        var id = Guid.NewGuid().ToString();
        await EventLog.CreateAsync(id).ConfigureAwait(false);
        await Records.AddAsync(new GenerationRecord
        {
            GenerationId = id,
            Prompt = "Build a task app",
            Entities = ["User"],
            Status = GenerationStatus.Processing,
            CreatedAt = Now,
        }).ConfigureAwait(false);
        return (id, Tokens.IssueToken(id));
    }

    /// <summary>
    /// Ends a generation made by <see cref="CreateGenerationLogAsync"/> as the engine would: its record becomes terminal
    /// (the end time that tokens' grace period counts from), then the terminal event is appended.
    /// </summary>
    public async Task<EventLogEntry> EndGenerationAsync(StreamingProgressEvent terminal)
    {
        ArgumentNullException.ThrowIfNull(terminal);
        await Records.UpdateAsync(terminal.GenerationId, new GenerationRecordUpdate { Status = terminal.Status }).ConfigureAwait(false);
        return await EventLog.AppendAsync(terminal).ConfigureAwait(false);
    }

    /// <summary>Stops the server (as a host shutdown does); <see cref="DisposeAsync"/> still has to run.</summary>
    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        lock (_clients)
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
