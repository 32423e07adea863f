using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Hosting;

/// <summary>
/// Validates what the annotations on <see cref="IterationStreamingOptions"/> cannot say: one setting against another,
/// and a signing key that may be empty but not short.
/// </summary>
internal sealed class IterationStreamingOptionsCustomValidator : IValidateOptions<IterationStreamingOptions>
{
    internal const int MinSigningKeyLength = 32;

    private const string Prefix = IterationStreamingOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, IterationStreamingOptions options)
    {
        var failures = new List<string>();
        if (options.MaxTokenLifetime < options.TokenLifetime)
        {
            failures.Add($"{Prefix}{nameof(options.MaxTokenLifetime)} ({options.MaxTokenLifetime}) must be at least {nameof(options.TokenLifetime)} ({options.TokenLifetime}).");
        }

        if (!string.IsNullOrEmpty(options.SigningKey) && options.SigningKey.Length < MinSigningKeyLength)
        {
            failures.Add($"{Prefix}{nameof(options.SigningKey)} must be at least {MinSigningKeyLength} characters long, or empty to use {nameof(options.SigningKeyFile)} or a random per-process key.");
        }

        if (options.SigningKeyFile is not null && string.IsNullOrWhiteSpace(options.SigningKeyFile))
        {
            failures.Add($"{Prefix}{nameof(options.SigningKeyFile)} must name a file, or be left out.");
        }

        try
        {
            _ = options.DefaultReview?.ToReview();
        }
        catch (FormatException ex)
        {
            failures.Add($"{Prefix}{nameof(options.DefaultReview)}:{nameof(ReviewOptions.AfterPhases)} must be \"all\" or phase numbers such as \"1,3\": {ex.Message}");
        }

        ValidateBudgets(options.Budgets, failures);
        if (options.Retries is { } retries && retries.InitialDelay > retries.MaxDelay)
        {
            failures.Add($"{Prefix}Retries:{nameof(RetryOptions.InitialDelay)} ({retries.InitialDelay}) must be at most {nameof(RetryOptions.MaxDelay)} ({retries.MaxDelay}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateBudgets(BudgetOptions? budgets, List<string> failures)
    {
        if (budgets is null)
        {
            return;
        }

        const string Section = Prefix + "Budgets:";
        if (budgets.OwnerTokensPerDay is not null && budgets.MaxPerGeneration is null)
        {
            failures.Add($"{Section}{nameof(BudgetOptions.OwnerTokensPerDay)} needs {Section}{nameof(BudgetOptions.MaxPerGeneration)}: each start reserves its budget against the daily allowance, so every generation must have one.");
        }

        if (budgets.OwnerTokensPerDay is { } perDay && budgets.MaxPerGeneration is { } perGeneration && perGeneration > perDay)
        {
            failures.Add($"{Section}{nameof(BudgetOptions.MaxPerGeneration)} ({perGeneration}) must be at most {nameof(BudgetOptions.OwnerTokensPerDay)} ({perDay}): no start could reserve it.");
        }

        foreach (var (model, price) in budgets.Prices ?? [])
        {
            if (string.IsNullOrWhiteSpace(model))
            {
                failures.Add($"{Section}Prices has an entry without a model name.");
            }
            else if (price is null)
            {
                failures.Add($"{Section}Prices:{model} must have Input and Output (prices per million tokens).");
            }
            else if (price.Input < 0 || price.Output < 0 || price.Input > 1_000_000 || price.Output > 1_000_000)
            {
                failures.Add($"{Section}Prices:{model}:Input and :Output must be prices per million tokens from 0 to 1,000,000 (got {price.Input} and {price.Output}).");
            }
        }
    }
}
