using System.Globalization;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;

namespace Iteration.Streaming.Runs;

/// <summary>
/// Checks requests against the limits in <see cref="IterationStreamingOptions"/>; messages name the wire field and the
/// setting, since the HTTP layer returns them as the 400's detail.
/// </summary>
internal static class RequestValidator
{
    private const string Prefix = IterationStreamingOptions.SectionName + ":";

    public static void Validate(GenerationRequest request, IterationStreamingOptions options)
    {
        ArgumentNullException.ThrowIfNull(request);
        ValidatePrompt("prompt", request.Prompt, options);
        ValidateReview(request.Review, options);

        var entities = request.Entities;
        if (entities is null)
        {
            return;
        }

        if (entities.Count > options.MaxEntities)
        {
            throw Invalid($"'entities' has {entities.Count} items; the limit is {options.MaxEntities} ({Prefix}{nameof(options.MaxEntities)}).");
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < entities.Count; i++)
        {
            var field = string.Create(CultureInfo.InvariantCulture, $"entities[{i}]");
            var entity = entities[i];
            if (string.IsNullOrWhiteSpace(entity))
            {
                throw Invalid($"'{field}' is empty; an entity needs a name.");
            }

            if (entity.Length > options.MaxEntityNameLength)
            {
                throw Invalid($"'{field}' is {entity.Length} characters long; the limit is {options.MaxEntityNameLength} ({Prefix}{nameof(options.MaxEntityNameLength)}).");
            }

            if (char.IsWhiteSpace(entity[0]) || char.IsWhiteSpace(entity[^1]))
            {
                throw Invalid($"'{field}' starts or ends with whitespace.");
            }

            var bad = IndexOfDisallowed(entity, allowLineBreaks: false);
            if (bad >= 0)
            {
                throw Invalid($"'{field}' contains the character U+{(int)entity[bad]:X4} at index {bad}, which is not allowed in a name.");
            }

            if (!seen.Add(entity))
            {
                throw Invalid($"'entities' names '{entity}' more than once.");
            }
        }
    }

    public static void Validate(IterationRequest request, IterationStreamingOptions options)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.ParentGenerationId))
        {
            throw Invalid("'parent_generation_id' is required.");
        }

        if (!GenerationStorageId.IsValid(request.ParentGenerationId))
        {
            throw Invalid($"'parent_generation_id' must be a generation id: 1 to {GenerationStorageId.MaxLength} ASCII letters, digits, '-' or '_'.");
        }

        ValidatePrompt("modification_prompt", request.ModificationPrompt, options);
        ValidateReview(request.Review, options);
    }

    public static void Validate(ForkRequest request, IterationStreamingOptions options)
    {
        ArgumentNullException.ThrowIfNull(request);
        ValidateGenerationId("generation_id", request.GenerationId);
        if (request.FromPhase < 1)
        {
            throw Invalid($"'from_phase' is {request.FromPhase}; it must be 1 or more (the last phase to keep).");
        }

        if (request.ModificationPrompt is not null)
        {
            ValidatePrompt("modification_prompt", request.ModificationPrompt, options);
        }

        ValidateReview(request.Review, options);
    }

    /// <summary>Checks a revert's paths (each valid, once, within MaxFilesPerGeneration) and returns them ordered.</summary>
    public static string[] Validate(RevertRequest request, IterationStreamingOptions options)
    {
        ArgumentNullException.ThrowIfNull(request);
        ValidateGenerationId("generation_id", request.GenerationId);
        if (request.Paths is null || request.Paths.Count == 0)
        {
            throw Invalid("'paths' is required: the paths to restore, at least one.");
        }

        if (request.Paths.Count > options.MaxFilesPerGeneration)
        {
            throw Invalid($"'paths' has {request.Paths.Count} paths; the limit is {options.MaxFilesPerGeneration} ({Prefix}{nameof(options.MaxFilesPerGeneration)}).");
        }

        var seen = new Dictionary<string, int>(request.Paths.Count, StringComparer.Ordinal);
        for (var i = 0; i < request.Paths.Count; i++)
        {
            var path = request.Paths[i];
            if (FilePathValidator.FindStoredProblem(path, Math.Max(options.MaxPathLength, FileManifestChanges.StoredPathLimit)) is { } problem)
            {
                throw Invalid($"'paths[{i}]' {FilePathValidator.Show(path)} is refused: {problem}.");
            }

            if (!seen.TryAdd(path!, i))
            {
                throw Invalid($"'paths[{i}]' repeats 'paths[{seen[path!]}]' ({FilePathValidator.Show(path)}); name each path once.");
            }
        }

        return [.. seen.Keys.Order(StringComparer.Ordinal)];
    }

    private static void ValidateGenerationId(string field, string? generationId)
    {
        if (string.IsNullOrWhiteSpace(generationId))
        {
            throw Invalid($"'{field}' is required.");
        }

        if (!GenerationStorageId.IsValid(generationId))
        {
            throw Invalid($"'{field}' must be a generation id: 1 to {GenerationStorageId.MaxLength} ASCII letters, digits, '-' or '_'.");
        }
    }

    private static void ValidatePrompt(string field, string? prompt, IterationStreamingOptions options)
    {
        if (prompt is null)
        {
            throw Invalid($"'{field}' is required.");
        }

        if (string.IsNullOrWhiteSpace(prompt))
        {
            throw Invalid($"'{field}' must not be empty.");
        }

        if (prompt.Length > options.MaxPromptLength)
        {
            throw Invalid($"'{field}' is {prompt.Length} characters long; the limit is {options.MaxPromptLength} ({Prefix}{nameof(options.MaxPromptLength)}).");
        }

        var bad = IndexOfDisallowed(prompt, allowLineBreaks: true);
        if (bad >= 0)
        {
            throw Invalid($"'{field}' contains the control character U+{(int)prompt[bad]:X4} at index {bad}.");
        }
    }

    /// <summary>Control characters (tab and line breaks allowed in prompts), unpaired surrogates, and in names invisible formatting characters.</summary>
    internal static int IndexOfDisallowed(string value, bool allowLineBreaks)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsControl(c) && !(allowLineBreaks && c is '\t' or '\n' or '\r'))
            {
                return i;
            }

            // Names are shown in phase names and messages: no bidirectional overrides or zero-width characters.
            if (!allowLineBreaks && CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format)
            {
                return i;
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Checks a request's <c>review</c>: phase numbers from 1 to <see cref="IterationStreamingOptions.MaxPhases"/>.</summary>
    public static void ValidateReview(Contracts.ReviewRequest? review, IterationStreamingOptions options)
    {
        if (review?.AfterPhases is not { IsAll: false } selection)
        {
            return;
        }

        foreach (var phase in selection.Phases)
        {
            if (phase < 1 || phase > options.MaxPhases)
            {
                throw Invalid($"'review.after_phases' names phase {phase}; phases are numbered from 1 to at most {options.MaxPhases} ({Prefix}{nameof(options.MaxPhases)}).");
            }
        }
    }

    internal static InvalidGenerationRequestException Invalid(string message) => new(message);
}
