using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Hosting;

/// <summary>
/// Returned by <c>AddIterationStreaming</c>; other packages extend it (for example <c>AddStackExchangeRedis</c>).
/// </summary>
public interface IIterationStreamingBuilder
{
    /// <summary>The service collection being configured.</summary>
    IServiceCollection Services { get; }
}
