using System.Globalization;
using System.Threading.RateLimiting;
using Iteration.Streaming.Events;
using Iteration.Streaming.Sample.Web.Demo;
using Iteration.Streaming.StackExchangeRedis.Health;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.AI;

namespace Iteration.Streaming.Sample.Web;

/// <summary>
/// Builds the sample host exactly as a user would wire the packages; the browser tests build the same host on a random port.
/// </summary>
public static class SampleHost
{
    /// <summary>Builds the application from command-line arguments (configuration keys such as <c>--IterationStreaming:HeartbeatInterval=00:00:01</c>).</summary>
    /// <param name="args">The command line.</param>
    /// <param name="configure">Last-minute changes to the builder (tests use it to replace the generator or add middleware).</param>
    /// <returns>The application, not started.</returns>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });

        // Relative data paths are resolved against the working directory: `dotnet run --project` runs the sample in its
        // project folder, so everything it saves lands in samples/Iteration.Streaming.Sample.Web/data/ (git-ignored).
        var sinkRoot = FromWorkingDirectory(builder.Configuration["IterationStreaming:FileSinkRoot"] ?? "data/generations");
        // Without a configured key, the library keeps one in a file under data/ (IterationStreaming:SigningKeyFile), so
        // tokens stay valid across a restart; Sample:SigningKeyFile is the sample's older name for the same setting.
        string? keyFile = null;
        if (string.IsNullOrEmpty(builder.Configuration["IterationStreaming:SigningKey"]))
        {
            keyFile = FromWorkingDirectory(
                builder.Configuration["IterationStreaming:SigningKeyFile"] ?? builder.Configuration["Sample:SigningKeyFile"] ?? "data/signing-key");
            builder.Configuration.AddInMemoryCollection([new("IterationStreaming:SigningKeyFile", keyFile)]);
        }

        // Stream tokens travel in query strings (EventSource cannot send headers). ASP.NET Core's request lines print
        // query strings, so they stay off whatever level the configuration sets; nothing else here logs a URL.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.Services.AddOptions<DemoOptions>()
            .Bind(builder.Configuration.GetSection(DemoOptions.SectionName))
            .Validate(o => o.FileDelay >= TimeSpan.Zero && o.FileDelay <= TimeSpan.FromMinutes(1), "Demo:FileDelay must be between 00:00:00 and 00:01:00.")
            .ValidateOnStart();
        var streaming = builder.Services
            .AddIterationStreaming()
            .AddPhaseGenerator<DemoGenerator>()
            .AddFileSystemSink(sinkRoot);
        AddChatModel(builder, streaming);

        // The demo sign-in (a name, no password) makes the signed-in user the owner of what they start: the page lists
        // "Your generations" from GET /generations?owner=me and opens, steers, cancels and retries them by ownership, with
        // no token kept in the browser.
        DemoSignIn.Add(builder, FromWorkingDirectory(builder.Configuration["Sample:KeysFolder"] ?? "data/keys"));
        streaming.AddClaimsOwnerResolver();
        var health = builder.Services.AddHealthChecks().AddIterationStreamingChecks();
        SampleTelemetry.Add(builder);
        builder.Services.AddOpenApi(SampleOpenApi.DocumentName);
        // The document's schemas are built with the host's JSON options: the library's contracts and the wire's names.
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, IterationStreamingJson.TypeInfoResolver);
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
        });

        // --IterationStreaming:Redis=host:port: scale-out mode (events, records and leases in Redis, so any instance serves
        // any generation). Every instance then needs the same signing key, and the same files: blob storage (below) or a shared FileSinkRoot.
        // Otherwise the event logs and records live in one SQLite file beside the files: a restart forgets nothing, and
        // interrupted runs resume from their last saved phase.
        if (builder.Configuration["IterationStreaming:Redis"] is { Length: > 0 } redis)
        {
            streaming.AddStackExchangeRedis(redis);
            health.AddCheck<RedisBackplaneHealthCheck>("redis");
        }
        else
        {
            var database = FromWorkingDirectory(builder.Configuration["Sample:Database"] ?? "data/iteration-streaming.db");
            Directory.CreateDirectory(Path.GetDirectoryName(database)!);
            streaming.AddSqliteStore(database);
        }

        // --IterationStreaming:BlobStorage=<connection string>: files in blob storage (container 'generations', or
        // --IterationStreaming:BlobStorage:Container=NAME), so scaled-out instances share no disk.
        if (builder.Configuration["IterationStreaming:BlobStorage"] is { Length: > 0 }
            || builder.Configuration["IterationStreaming:BlobStorage:ConnectionString"] is { Length: > 0 })
        {
            streaming.AddAzureBlobFileSink();
        }

        AddStartRateLimit(builder);
        var corsOrigins = SampleCors.Add(builder);
        configure?.Invoke(builder);

        var app = builder.Build();
        if (keyFile is not null)
        {
            SampleLog.SigningKeyFromFile(app.Logger, keyFile);
        }

        if (corsOrigins.Count > 0)
        {
            // Before the limiter: a preflight is answered without spending a start, and a 429 carries the CORS headers.
            app.UseCors();
        }

        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseDefaultFiles();
        app.Use(SamplePageHeaders.FaviconIco);
        app.UseStaticFiles(SamplePageHeaders.StaticFiles());
        var generations = app.MapIterationStream("/generations").RequireRateLimiting(StartEndpoints.RateLimitPolicy);
        if (corsOrigins.Count > 0)
        {
            generations.RequireCors(SampleCors.PolicyName);
        }

        DemoSignIn.Map(app);
        app.MapHealthChecks("/health");
        app.MapOpenApi(SampleOpenApi.Pattern);
        return app;
    }

    /// <summary>
    /// <c>--Chat:Endpoint=URL --Chat:Model=NAME [--Chat:ApiKey=KEY] [--Chat:Api=chat|responses]</c>: generate with a real
    /// model behind an OpenAI-compatible endpoint (OpenAI, Azure OpenAI, a local Ollama at <c>http://127.0.0.1:11434/v1</c>)
    /// instead of the demo generator. Without them the demo stays, so the sample runs offline. <c>Chat:Api=chat</c> (the
    /// default) uses chat completions; <c>responses</c> uses the Responses API with background responses, so a phase
    /// interrupted by a restart or a takeover continues inside the model's answer instead of being generated again.
    /// </summary>
    private static void AddChatModel(WebApplicationBuilder builder, Iteration.Streaming.Hosting.IIterationStreamingBuilder streaming)
    {
        if (builder.Configuration["Chat:Endpoint"] is not { Length: > 0 } endpoint)
        {
            return;
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidOperationException("Chat:Endpoint must be an absolute http or https URL, such as http://127.0.0.1:11434/v1.");
        }

        var model = builder.Configuration["Chat:Model"] is { Length: > 0 } named
            ? named
            : throw new InvalidOperationException("Chat:Model is required with Chat:Endpoint (for example --Chat:Model=qwen2.5-coder:7b).");

        var api = builder.Configuration["Chat:Api"] is { Length: > 0 } chosen ? chosen.Trim() : "chat";
        var responses = api.ToLowerInvariant() switch
        {
            "chat" => false,
            "responses" => true,
            _ => throw new InvalidOperationException("Chat:Api must be 'chat' (chat completions, the default) or 'responses' (the Responses API with background responses)."),
        };

        // Ollama ignores the key, but the client needs one.
        var apiKey = builder.Configuration["Chat:ApiKey"] is { Length: > 0 } key ? key : "unused";
        var client = new OpenAI.OpenAIClient(
            new System.ClientModel.ApiKeyCredential(apiKey),
            new OpenAI.OpenAIClientOptions
            {
                Endpoint = uri,
                NetworkTimeout = TimeSpan.FromMinutes(10),
                // Retries are the engine's (IterationStreaming:Retries): announced by a resumed event, from the last
                // saved phase, surviving a restart. The client's own would retry 429/5xx silently, three times.
                RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(maxRetries: 0),
            });
        builder.Services.AddSingleton<Microsoft.Extensions.AI.IChatClient>(_ => responses
            // OPENAI001: the Responses client is marked for evaluation in OpenAI 2.x; it is the one with background responses.
#pragma warning disable OPENAI001
            ? client.GetResponsesClient().AsIChatClient(model)
#pragma warning restore OPENAI001
            : client.GetChatClient(model).AsIChatClient());
        streaming.AddChatClientGenerator(o =>
        {
            o.ResponseIdleTimeout = TimeSpan.FromMinutes(5);
            o.BackgroundResponses = responses;
        });
    }

    /// <summary>
    /// Each client (by remote address) may start <c>Sample:StartsPerMinute</c> generations, iterations or retries a
    /// minute (default 20); beyond that 429 with <c>Retry-After</c>. Reads (streams, snapshots, files) are not limited here.
    /// </summary>
    /// <remarks>
    /// The policy is chosen from the endpoint routing selected (<see cref="StartEndpoints"/>), not from the path: routing
    /// ignores letter case, so a path prefix compared ordinally let <c>POST /Generations</c> past the limit.
    /// </remarks>
    private static void AddStartRateLimit(WebApplicationBuilder builder)
    {
        var perMinute = builder.Configuration.GetValue("Sample:StartsPerMinute", 20);
        if (perMinute is < 1 or > 1_000_000)
        {
            throw new InvalidOperationException($"Sample:StartsPerMinute must be between 1 and 1000000, but was {perMinute}.");
        }

        builder.Services.AddRateLimiter(options =>
        {
            options.AddPolicy(StartEndpoints.RateLimitPolicy, context =>
                StartEndpoints.IsStart(context)
                    ? RateLimitPartition.GetTokenBucketLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = perMinute,
                        TokensPerPeriod = perMinute,
                        ReplenishmentPeriod = TimeSpan.FromMinutes(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    })
                    : RateLimitPartition.GetNoLimiter("reads"));
            options.OnRejected = static async (rejected, cancellationToken) =>
            {
                var response = rejected.HttpContext.Response;
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 60;
                response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                await TypedResults.Problem(
                    detail: $"Too many generations started from this address; retry in {retryAfter} seconds.",
                    statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(rejected.HttpContext).ConfigureAwait(false);
            };
        });
    }

    private static string FromWorkingDirectory(string path) =>
        Path.IsPathRooted(path) ? path : Path.GetFullPath(path, Directory.GetCurrentDirectory());
}
