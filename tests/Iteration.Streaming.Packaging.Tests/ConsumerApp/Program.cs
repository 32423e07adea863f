using System.Runtime.CompilerServices;
using Iteration.Streaming.Client;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;

// A consumer of the packed packages: a web host on loopback with the SQLite store, its endpoints watched by the .NET
// client, and every other package registered, so that a package that cannot be restored, loaded or called fails here.
var data = args.Length > 0 ? args[0] : throw new ArgumentException("Usage: Consumer <data folder>");

var builder = WebApplication.CreateSlimBuilder();
builder.WebHost.UseUrls("http://127.0.0.1:0");
builder.Logging.ClearProviders();
builder.Services.AddIterationStreaming()
    .AddSqliteStore(Path.Combine(data, "store.db"))
    .AddFileSystemSink(Path.Combine(data, "files"))
    .AddPhaseGenerator(_ => new OneFilePerPhase());

await using var app = builder.Build();
app.MapIterationStream();
await app.StartAsync();

using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
var client = new IterationClient(http);
var handle = await client.StartAsync("A consumer of the packages", ["Order"]);
var last = default(Iteration.Streaming.Events.StreamingProgressEvent);
await foreach (var progress in client.WatchAsync(handle))
{
    last = progress;
}

var files = await client.ListFilesAsync(handle);

// Registration only: these need a server (Redis, Blob Storage, a model) to run, not to load.
var others = new ServiceCollection();
others.AddIterationStreaming()
    .AddStackExchangeRedis(options => options.Configuration = "127.0.0.1:1,abortConnect=false")
    .AddAzureBlobFileSink("UseDevelopmentStorage=true", "consumer")
    .AddChatClientGenerator(_ => throw new InvalidOperationException("No model in this check."));

Console.WriteLine($"consumer: {last?.Status} with {files.Files.Count} files; {others.Count} services registered");
await app.StopAsync();
return last?.Status == "completed" && files.Files.Count > 0 ? 0 : 1;

internal sealed class OneFilePerPhase : IPhaseGenerator
{
    public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        yield return GeneratedFile.FromText($"phase{context.Phase.Number}.txt", context.Phase.Name);
    }
}
