using System.ClientModel;
using System.ClientModel.Primitives;
using Iteration.Streaming.AI.Generation;
using Iteration.Streaming.AI.Tests.Infrastructure;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpenAI;

namespace Iteration.Streaming.AI.Tests.EndToEnd;

/// <summary>
/// The real engine with the chat-client generator, talking through Microsoft.Extensions.AI.OpenAI's client to a
/// <see cref="FakeOpenAIServer"/>; files in memory; a frozen fake clock (so live reports are deterministic: the first of
/// each generation passes, the rest fall within the interval).
/// </summary>
public sealed class ChatEngineHost : IAsyncDisposable
{
    public const string ApiKey = "sk-test-0123456789-secret-key";

    private ChatEngineHost(FakeOpenAIServer server, Action<ChatClientGeneratorOptions>? configure)
    {
        Server = server;
        var openAi = new OpenAI.Chat.ChatClient(
            FakeOpenAIServer.Model,
            new ApiKeyCredential(ApiKey),
            new OpenAIClientOptions
            {
                Endpoint = server.Endpoint,
                // The OpenAI client retries 429 and 5xx itself by default; the tests want to see the first answer.
                RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
                NetworkTimeout = AsyncTestExtensions.Patience,
            });
        ChatClient = openAi.AsIChatClient();

        var services = new ServiceCollection().AddSingleton<TimeProvider>(Clock);
        // The engine's automatic retries of transient failures (429, 5xx, a dropped stream) off: these tests read how
        // one failed attempt ends, and the frozen clock would hold a retry's backoff forever.
        services.AddIterationStreaming(o => o.Retries.MaxAttempts = 1).AddInMemoryFileSink().AddChatClientGenerator(ChatClient, configure);
        Provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public FakeOpenAIServer Server { get; }

    public IChatClient ChatClient { get; }

    public FakeTimeProvider Clock { get; } = new(TestEvents.Epoch);

    public ServiceProvider Provider { get; }

    public IIterationEngine Engine => Provider.GetRequiredService<IIterationEngine>();

    public IFileSink Sink => Provider.GetRequiredService<IFileSink>();

    public static async Task<ChatEngineHost> StartAsync(Action<ChatClientGeneratorOptions>? configure = null) =>
        new(await FakeOpenAIServer.StartAsync(), configure);

    /// <summary>Runs a generation inline to its terminal event.</summary>
    public Task<List<StreamingProgressEvent>> RunAsync(string prompt = "Build a task tracker", params string[] entities) =>
        Engine.RunAsync(new GenerationRequest(prompt, entities.Length == 0 ? ["Task"] : entities)).ToListAsync().AsTask().WithPatience();

    /// <summary>Reads a generation's events from the start to its terminal event.</summary>
    public async Task<List<StreamingProgressEvent>> ReadToEndAsync(string generationId)
    {
        await using var subscription = await Engine.WatchAsync(generationId);
        return await subscription.ReadEventsAsync().ToListAsync().AsTask().WithPatience();
    }

    /// <summary>The saved files of a generation, path to text.</summary>
    public async Task<Dictionary<string, string>> FilesAsync(string generationId)
    {
        var manifest = await Sink.GetManifestAsync(generationId) ?? throw new InvalidOperationException($"No files for {generationId}.");
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in manifest.Files)
        {
            await using var stream = (await Sink.OpenReadAsync(generationId, file.Path))!;
            using var reader = new StreamReader(stream);
            files[file.Path] = await reader.ReadToEndAsync();
        }

        return files;
    }

    public async ValueTask DisposeAsync()
    {
        await Provider.DisposeAsync();
        ChatClient.Dispose();
        await Server.DisposeAsync();
    }
}
