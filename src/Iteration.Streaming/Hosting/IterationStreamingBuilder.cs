using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Hosting;

internal sealed class IterationStreamingBuilder(IServiceCollection services) : IIterationStreamingBuilder
{
    public IServiceCollection Services { get; } = services;
}
