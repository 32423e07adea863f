using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Hosting;

/// <summary>
/// Validates the ranges and required values declared on <see cref="IterationStreamingOptions"/> (generated from their
/// data annotations); the rules between settings are <see cref="IterationStreamingOptionsCustomValidator"/>'s.
/// </summary>
[OptionsValidator]
internal sealed partial class IterationStreamingOptionsValidator : IValidateOptions<IterationStreamingOptions>;
