using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Azure.Storage.Blobs.Hosting;

/// <summary>
/// Validates <see cref="AzureBlobFileSinkOptions"/> at start, naming the setting. A connection string is checked by
/// parsing it (no request is sent) and is never echoed: it may hold an account key.
/// </summary>
internal sealed class AzureBlobFileSinkOptionsValidator : IValidateOptions<AzureBlobFileSinkOptions>
{
    private const string Prefix = BindBlobStorageConfiguration.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, AzureBlobFileSinkOptions options)
    {
        var failures = new List<string>();

        if (options.ServiceClient is null)
        {
            if (string.IsNullOrWhiteSpace(options.ConnectionString))
            {
                failures.Add(
                    $"{Prefix}{nameof(options.ConnectionString)} must be set (or {BindBlobStorageConfiguration.SectionName} itself, for example "
                    + "'UseDevelopmentStorage=true' for Azurite), or a BlobServiceClient passed to AddAzureBlobFileSink.");
            }
            else if (!IsConnectionString(options.ConnectionString))
            {
                failures.Add(
                    $"{Prefix}{nameof(options.ConnectionString)} is not a valid Azure Storage connection string "
                    + "(expected 'name=value' pairs such as 'AccountName=…;AccountKey=…;BlobEndpoint=…'; the value is not shown, as it may hold a key).");
            }
        }

        if (!IsContainerName(options.Container))
        {
            failures.Add(
                $"{Prefix}{nameof(options.Container)} must be 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit, but was '{options.Container}'.");
        }

        if (options.MaxConcurrentRequests is < 1 or > 64)
        {
            failures.Add($"{Prefix}{nameof(options.MaxConcurrentRequests)} must be between 1 and 64, but was {options.MaxConcurrentRequests}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static bool IsContainerName(string? value)
    {
        if (value is not { Length: >= 3 and <= 63 } || value[0] == '-' || value[^1] == '-' || value.Contains("--", StringComparison.Ordinal))
        {
            return false;
        }

        return value.All(static c => char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c) || c == '-');
    }

    private static bool IsConnectionString(string value)
    {
        try
        {
            _ = new BlobServiceClient(value);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}
