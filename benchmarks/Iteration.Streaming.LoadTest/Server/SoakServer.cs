using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.LoadTest.Server;

/// <summary>
/// The soak's server process (<c>--server --soak DIR</c>): the real engine as a durable host runs it — SQLite store and
/// file-system sink under DIR, a generator that writes small files with short pauses, retention on a short period — with
/// <c>MapIterationStream</c> and the control API's stats. It ends when its standard input closes.
/// </summary>
internal static class SoakServer
{
    /// <summary>How long ended generations are kept: short, so the soak deletes as steadily as it creates.</summary>
    public static readonly TimeSpan RetainCompletedFor = TimeSpan.FromSeconds(20);

    public static async Task<int> RunAsync(string dataFolder)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, 0);
            o.AddServerHeader = false;
        });

        var streaming = builder.Services.AddIterationStreaming(o =>
        {
            o.SigningKey = LoadServer.SigningKey;
            o.RetainCompletedFor = RetainCompletedFor;
            o.MaxConcurrentGenerations = 16;
            o.MaxQueuedGenerations = 1_000;
        });
        streaming.AddPhaseGenerator(sp => new SoakGenerator(sp.GetRequiredService<TimeProvider>()));
        streaming.AddFileSystemSink(Path.Combine(dataFolder, "generations"));
        streaming.AddSqliteStore(Path.Combine(dataFolder, "soak.db"));

        var app = builder.Build();
        app.MapIterationStream();
        app.MapGet("/control/stats", () => Results.Json(ProcessStats.Read(0, 0), ControlJson.Options));
        app.MapPost("/control/gc", () =>
        {
            ProcessStats.FullCollect();
            return Results.Json(ProcessStats.Read(0, 0), ControlJson.Options);
        });

        return await LoadServer.RunUntilInputClosesAsync(app);
    }

    /// <summary>
    /// Stands in for the AI: each phase writes its planned number of files of 1–4 KB, 20–80 ms apart. A prompt with
    /// <c>[fail]</c> fails phase 2 of the original run with a message for the user, so its retry completes.
    /// </summary>
    private sealed class SoakGenerator(TimeProvider timeProvider) : IPhaseGenerator
    {
        public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            if (context.Phase.Number == 2 && context.RetryOf is null && context.Prompt.Contains("[fail]", StringComparison.Ordinal))
            {
                throw new GenerationFailedException("The soak's model failed phase 2 on purpose.");
            }

            var random = new Random(HashCode.Combine(context.GenerationId, context.Phase.Number));
            for (var i = 0; i < context.Phase.EstimatedFileCount; i++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(20, 80)), timeProvider, cancellationToken);
                var content = new StringBuilder().Append("// ").Append(context.GenerationId).Append(" phase ").Append(context.Phase.Number).AppendLine();
                content.Append('x', random.Next(1_000, 4_000));
                yield return GeneratedFile.FromText($"src/phase{context.Phase.Number}/file{i}.ts", content.ToString());
            }
        }
    }
}
