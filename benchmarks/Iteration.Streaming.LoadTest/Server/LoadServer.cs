using System.Net;
using System.Text.Json.Serialization;
using System.Text.Json;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Records;
using Iteration.Streaming.Security;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Iteration.Streaming.LoadTest.Server;

/// <summary>
/// The server process (<c>--server</c>): one Kestrel on 127.0.0.1 with our endpoints (<c>MapIterationStream</c>), the three
/// baselines, and a control API the load generator drives. It ends when its standard input closes (its parent is gone).
/// </summary>
internal static class LoadServer
{
    /// <summary>Kestrel's default, stated: how many streams the h2 scenario's client puts on one HTTP/2 connection.</summary>
    public const int StreamsPerHttp2Connection = 100;

    public const string SigningKey = "iteration-streaming-load-test-signing-key-0123456789";

    public static async Task<int> RunAsync(string[] args)
    {
        var port = int.Parse(ArgValue(args, "--port") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        var redis = ArgValue(args, "--redis");
        var instance = ArgValue(args, "--instance") ?? "load-server";
        var sqlite = ArgValue(args, "--sqlite");
        if (ArgValue(args, "--soak") is { } soakFolder)
        {
            return await SoakServer.RunAsync(soakFolder);
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseSockets(o => o.Backlog = 4096);
        ListenOptions? http2 = null;
        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, port);

            // The h2 scenario: HTTP/2 without TLS (h2c, prior knowledge) on a second port, as browsers share one
            // connection among many streams over HTTP/2 (Http1AndHttp2 would need TLS to negotiate).
            o.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                http2 = listen;
            });
            o.Limits.Http2.MaxStreamsPerConnection = StreamsPerHttp2Connection;
            o.AddServerHeader = false;
            o.Limits.MaxConcurrentConnections = null;
            o.Limits.MaxConcurrentUpgradedConnections = null;

            // A reader that stops is the slow-consumer scenario's subject; Kestrel's own guard would otherwise cut it.
            o.Limits.MinResponseDataRate = null;
        });

        var streaming = builder.Services.AddIterationStreaming(o =>
        {
            o.SigningKey = SigningKey;
            o.MaxEventsPerGeneration = 20_000;
            o.RetainCompletedFor = TimeSpan.FromSeconds(1);
            o.TokenLifetime = TimeSpan.FromHours(1);

            // The broadcast scenario has 10,000 watchers of one generation.
            o.MaxStreamsPerGeneration = 1_000_000;

            // The multiplex scenario: up to 1,000 watchers follow the same 20 generations, each over its own watch set.
            o.MaxMultiplexedStreamsPerOwner = 1_000_000;

            // The time-to-first-event scenario starts 500 generations at once through POST /generations: each runs at once
            // (its first event is its own "initializing", not a "queued" while 496 wait for the default 4 slots).
            o.MaxConcurrentGenerations = 1_000;
        });
        streaming.AddPhaseGenerator(_ => new NoFilesGenerator());
        streaming.AddInMemoryFileSink();
        if (sqlite is not null)
        {
            // The SQLite scenario: event logs and records in one SQLite file (WAL, group commit, FULL sync), as a durable host keeps them.
            streaming.AddSqliteStore(Path.Combine(sqlite, "load-test.db"));
        }

        if (redis is not null)
        {
            streaming.AddStackExchangeRedis(redis, o => o.InstanceName = instance);
        }

        builder.Services.AddSingleton<BaselineHub>();
        builder.Services.AddSingleton<StreamCounter>();
        builder.Services.AddSingleton<Producer>();
        builder.Services.ConfigureHttpJsonOptions(o => ConfigureWireJson(o.SerializerOptions));
        builder.Services.AddSignalR(o =>
        {
            o.ClientTimeoutInterval = TimeSpan.FromMinutes(10);
            o.EnableDetailedErrors = false;
        }).AddJsonProtocol(o => ConfigureWireJson(o.PayloadSerializerOptions));

        var app = builder.Build();
        var counter = app.Services.GetRequiredService<StreamCounter>();
        app.MapIterationStream();
        BaselineEndpoints.Map(app);
        MapControl(app, counter);

        return await RunUntilInputClosesAsync(app, () => http2?.IPEndPoint);
    }

    /// <summary>
    /// Starts <paramref name="app"/>, tells the parent its address (<c>LISTENING url</c>) and runs until the parent closes
    /// our standard input: then the load test is over (or has died).
    /// </summary>
    public static async Task<int> RunUntilInputClosesAsync(WebApplication app, Func<IPEndPoint?>? http2 = null)
    {
        await app.StartAsync();

        // Kestrel writes the bound port back into the endpoint's options: the h2c one is told first, on a line of its own.
        var http2Address = http2?.Invoke() is { } endPoint ? $"http://{endPoint}" : null;
        if (http2Address is not null)
        {
            Console.Out.WriteLine("H2C " + http2Address);
        }

        Console.Out.WriteLine("LISTENING " + app.Urls.Single(u => u.TrimEnd('/') != http2Address));
        Console.Out.Flush();

        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        _ = Task.Run(() =>
        {
            while (Console.In.Read() >= 0)
            {
            }

            lifetime.StopApplication();
        });

        await app.WaitForShutdownAsync();
        return 0;
    }

    private static void ConfigureWireJson(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.TypeInfoResolverChain.Insert(0, IterationStreamingJson.TypeInfoResolver);
    }

    private static void MapControl(WebApplication app, StreamCounter counter)
    {
        var control = app.MapGroup("/control");
        var hub = app.Services.GetRequiredService<BaselineHub>();
        var eventLog = app.Services.GetRequiredService<IGenerationEventLog>();
        var records = app.Services.GetRequiredService<IGenerationRecordStore>();
        var tokens = app.Services.GetRequiredService<IStreamTokenService>();
        var producer = app.Services.GetRequiredService<Producer>();
        var timeProvider = app.Services.GetRequiredService<TimeProvider>();

        long Subscribers(string? system) => system == Systems.Ours ? counter.Active : hub.Subscribers;

        control.MapPost("/create", async (HttpContext context) =>
        {
            var request = (await context.Request.ReadFromJsonAsync<CreateRequest>(ControlJson.Options))!;
            var payload = EventFactory.Payload(request.PayloadBytes);
            var created = new CreatedGeneration[request.Count];
            for (var i = 0; i < request.Count; i++)
            {
                var id = Guid.NewGuid().ToString();
                if (request.System == Systems.Ours)
                {
                    await eventLog.CreateAsync(id);

                    // Tokens are valid only for generations on record: the load test's generations are live records.
                    await records.AddAsync(new GenerationRecord
                    {
                        GenerationId = id,
                        Prompt = "load test",
                        Entities = [],
                        Status = GenerationStatus.Processing,
                        CreatedAt = timeProvider.GetUtcNow(),
                    });
                    for (var n = 0; n < request.Prefill; n++)
                    {
                        await eventLog.AppendAsync(EventFactory.Create(id, n, payload, timeProvider));
                    }

                    created[i] = new CreatedGeneration(id, tokens.IssueToken(id));
                }
                else
                {
                    hub.Create(id);
                    created[i] = new CreatedGeneration(id, null);
                }
            }

            return Results.Json(created, ControlJson.Options);
        });

        control.MapPost("/produce", async (HttpContext context) =>
        {
            var request = (await context.Request.ReadFromJsonAsync<ProduceRequest>(ControlJson.Options))!;
            var result = await producer.RunAsync(request, context.RequestAborted);
            return Results.Json(result, ControlJson.Options);
        });

        control.MapPost("/end", async (HttpContext context) =>
        {
            var request = (await context.Request.ReadFromJsonAsync<ProduceRequest>(ControlJson.Options))!;
            await producer.EndAsync(request.System, request.Ids);
            return Results.Ok();
        });

        control.MapPost("/exists", async (HttpContext context) =>
        {
            var request = (await context.Request.ReadFromJsonAsync<ProduceRequest>(ControlJson.Options))!;
            var existing = 0;
            foreach (var id in request.Ids)
            {
                existing += await eventLog.ExistsAsync(id) ? 1 : 0;
            }

            return Results.Json(existing, ControlJson.Options);
        });

        control.MapGet("/stats", (string? system) =>
            Results.Json(ProcessStats.Read(Subscribers(system), counter.Written), ControlJson.Options));

        control.MapPost("/gc", (string? system) =>
        {
            ProcessStats.FullCollect();
            return Results.Json(ProcessStats.Read(Subscribers(system), counter.Written), ControlJson.Options);
        });
    }

    private static string? ArgValue(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    /// <summary>
    /// The generator of the runs the time-to-first-event scenario starts through <c>POST /generations</c> (every other
    /// scenario appends to the event log directly): every phase ends at once with no files, so a run is the engine's own work.
    /// </summary>
    private sealed class NoFilesGenerator : IPhaseGenerator
    {
        public IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, CancellationToken cancellationToken = default) =>
            AsyncEnumerable.Empty<GeneratedFile>();
    }
}
