using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.AI.Hosting;

/// <summary>Where the generator's <see cref="IChatClient"/> comes from: the container, an instance, or a factory.</summary>
internal sealed class ChatClientSource
{
    private readonly Func<IServiceProvider, IChatClient>? _factory;

    private ChatClientSource(Func<IServiceProvider, IChatClient>? factory) => _factory = factory;

    /// <summary>Whether the client is the container's own <see cref="IChatClient"/>.</summary>
    public bool FromContainer => _factory is null;

    public static ChatClientSource Container() => new(null);

    public static ChatClientSource Instance(IChatClient chatClient) => new(_ => chatClient);

    public static ChatClientSource Factory(Func<IServiceProvider, IChatClient> factory) => new(factory);

    /// <summary>Resolves the client in a run's scope.</summary>
    public IChatClient Resolve(IServiceProvider services)
    {
        if (_factory is null)
        {
            return services.GetService<IChatClient>() ?? throw NotRegistered();
        }

        return _factory(services) ?? throw new InvalidOperationException("The IChatClient factory passed to AddChatClientGenerator returned null.");
    }

    internal static InvalidOperationException NotRegistered() => new(
        "AddChatClientGenerator() uses the IChatClient registered in the service collection, and none is registered. Register one " +
        "(for example services.AddChatClient(...)), or pass a client or a factory to AddChatClientGenerator.");
}
