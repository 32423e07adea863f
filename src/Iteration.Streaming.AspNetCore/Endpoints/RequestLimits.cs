using Iteration.Streaming.AspNetCore.Http;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Hosting;

namespace Iteration.Streaming.AspNetCore.Endpoints;

/// <summary>
/// Checks start and iterate bodies against the configured limits before the engine sees them, naming the field and
/// the limit; the engine checks again, so a host calling it directly is protected too.
/// </summary>
internal static class RequestLimits
{
    /// <summary>
    /// The largest accepted body: every character of the longest prompt and entity names escaped (<c>\uXXXX</c>,
    /// 6 bytes), plus room for the JSON around them.
    /// </summary>
    public static long MaxBodyBytes(IterationStreamingOptions options) =>
        (6L * options.MaxPromptLength) + ((long)options.MaxEntities * ((6L * options.MaxEntityNameLength) + 4)) + 4096;

    public static string? Validate(StartGenerationRequest request, IterationStreamingOptions options) =>
        ValidatePrompt("prompt", request.Prompt, options) ?? ValidateEntities(request.Entities, options);

    public static string? Validate(IterateGenerationRequest request, IterationStreamingOptions options)
    {
        if (string.IsNullOrEmpty(request.ParentGenerationId))
        {
            return "The field 'parent_generation_id' is required.";
        }

        return RequestValues.IsGenerationId(request.ParentGenerationId)
            ? ValidatePrompt("modification_prompt", request.ModificationPrompt, options)
            : RequestValues.GenerationIdError("parent_generation_id");
    }

    private static string? ValidatePrompt(string name, string? prompt, IterationStreamingOptions options)
    {
        if (prompt is null)
        {
            return $"The field '{name}' is required.";
        }

        if (string.IsNullOrWhiteSpace(prompt))
        {
            return $"The field '{name}' must not be empty.";
        }

        return prompt.Length > options.MaxPromptLength
            ? $"The field '{name}' is {prompt.Length} characters long; the limit is {options.MaxPromptLength}."
            : null;
    }

    private static string? ValidateEntities(IReadOnlyList<string>? entities, IterationStreamingOptions options)
    {
        if (entities is null)
        {
            return null;
        }

        if (entities.Count > options.MaxEntities)
        {
            return $"The field 'entities' names {entities.Count} entities; the limit is {options.MaxEntities}.";
        }

        for (var i = 0; i < entities.Count; i++)
        {
            var entity = entities[i];
            if (string.IsNullOrWhiteSpace(entity))
            {
                return $"The entity at entities[{i}] must be a non-empty name.";
            }

            if (entity.Length > options.MaxEntityNameLength)
            {
                return $"The entity at entities[{i}] is {entity.Length} characters long; the limit is {options.MaxEntityNameLength}.";
            }

            if (entity.AsSpan().ContainsAnyInRange('\0', '\u001f') || entity.Contains('\u007f', StringComparison.Ordinal))
            {
                return $"The entity at entities[{i}] must not contain control characters.";
            }
        }

        return null;
    }
}
