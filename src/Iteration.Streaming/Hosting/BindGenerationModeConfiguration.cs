using Iteration.Streaming.Modes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Hosting;

/// <summary>
/// Binds <see cref="GenerationModeOptions"/> from <c>IterationStreaming:GenerationModes</c> when the container has an
/// <see cref="IConfiguration"/>.
/// </summary>
internal sealed class BindGenerationModeConfiguration(IServiceProvider services) : IConfigureOptions<GenerationModeOptions>
{
    public void Configure(GenerationModeOptions options)
    {
        var configuration = services.GetService<IConfiguration>();
        configuration?.GetSection(GenerationModeOptions.SectionName).Bind(options);
    }
}
