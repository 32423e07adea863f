using Iteration.Streaming.AI.Generation;
using Iteration.Streaming.AI.Tests.Infrastructure;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.AI.Tests.EndToEnd;

/// <summary>
/// The real engine with the chat-client generator, talking through Microsoft.Extensions.AI.OpenAI's client to a
/// <see cref="FakeOpenAIServer"/>; files in memory; a frozen fake clock (so live reports are deterministic: the first of
/// each generation passes, the rest fall within the interval).
/// </summary>
public sealed class ChatEngineHost : IAsyncDisposable
{
    public const string ApiKey = FakeOpenAIServer.ApiKey;

    private readonly FakeOpenAIServer? _server;

    private ChatEngineHost(FakeOpenAIServer? server, IChatClient chatClient, FakeTimeProvider clock, Action<ChatClientGeneratorOptions>? configure, Action<IterationStreamingOptions>? engine)
    {
        _server = server;
        // The OpenAI client's own retries are off (CreateChatClient): the engine's are the ones under test.
        ChatClient = chatClient;
        Clock = clock;

        var services = new ServiceCollection().AddSingleton<TimeProvider>(Clock);
        services.AddIterationStreaming(o =>
            {
                // The engine's automatic retries of transient failures (429, 5xx, a dropped stream) off unless a test
                // turns them on: most read how one failed attempt ends, and the frozen clock would hold a backoff forever.
                o.Retries.MaxAttempts = 1;
                engine?.Invoke(o);
            })
            .AddInMemoryFileSink()
            .AddChatClientGenerator(ChatClient, configure);
        Provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public FakeOpenAIServer Server => _server ?? throw new InvalidOperationException("This host talks to a fake IChatClient, not to a fake endpoint.");

    public IChatClient ChatClient { get; }

    public FakeTimeProvider Clock { get; }

    public ServiceProvider Provider { get; }

    public IIterationEngine Engine => Provider.GetRequiredService<IIterationEngine>();

    public IFileSink Sink => Provider.GetRequiredService<IFileSink>();

    public static async Task<ChatEngineHost> StartAsync(Action<ChatClientGeneratorOptions>? configure = null, Action<IterationStreamingOptions>? engine = null)
    {
        var server = await FakeOpenAIServer.StartAsync();
        return new(server, server.CreateChatClient(), new FakeTimeProvider(TestEvents.Epoch), configure, engine);
    }

    /// <summary>The engine over <paramref name="chatClient"/> (a fake model) instead of the fake endpoint.</summary>
    public static ChatEngineHost Over(IChatClient chatClient, FakeTimeProvider clock, Action<ChatClientGeneratorOptions>? configure = null, Action<IterationStreamingOptions>? engine = null) =>
        new(null, chatClient, clock, configure, engine);

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
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
