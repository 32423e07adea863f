using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Client.DependencyInjection;

/// <summary>Validates <see cref="IterationClientOptions"/> when the options are first used (at start under a host).</summary>
internal sealed class IterationClientOptionsValidator : IValidateOptions<IterationClientOptions>
{
    public ValidateOptionsResult Validate(string? name, IterationClientOptions options)
    {
        var failures = options.Check();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
