using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json;

namespace Iteration.Streaming.AI.Generation;

/// <summary>
/// Finds an error object that an OpenAI-compatible endpoint streamed as an event of its own
/// (<c>data: {"error": {"message": …, "type": …, "code": …}}</c>, on a 200 <c>text/event-stream</c>).
/// Microsoft.Extensions.AI.OpenAI passes such an event on as an update without contents, so the error is read from the
/// update's raw representation: a System.ClientModel model (OpenAI, Azure OpenAI), written back to its JSON, unknown
/// members included.
/// </summary>
/// <remarks>
/// Reached by reflection, so the package takes no dependency on System.ClientModel for one check; and only for updates
/// without contents, so the text of an answer is never serialised again. Best effort, as the status read of
/// <see cref="ModelFailures"/>: a raw representation that is not such a model (another client), or one trimming took
/// apart, is no error, and an answer made only of it still fails the phase for holding no files.
/// </remarks>
internal static class StreamedModelError
{
    private const string PersistableModel = "System.ClientModel.Primitives.IPersistableModel`1";

    private static readonly ConcurrentDictionary<Type, Func<object, string?>?> JsonWriters = new();

    /// <summary>Reads the <c>error</c> member of <paramref name="raw"/>'s JSON, when it has one.</summary>
    /// <returns><see langword="true"/> when the update is an error; <paramref name="code"/> and <paramref name="message"/> are then what it says, if anything.</returns>
    public static bool TryRead(object? raw, out string? code, out string? message)
    {
        code = null;
        message = null;
        if (raw is null || JsonWriters.GetOrAdd(raw.GetType(), FindJsonWriter) is not { } write || write(raw) is not { } json)
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("error", out var error)
                || error.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined or JsonValueKind.False)
            {
                return false;
            }

            if (error.ValueKind == JsonValueKind.Object)
            {
                code = Text(error, "code") ?? Text(error, "type");
                message = Text(error, "message");
            }
            else if (error.ValueKind == JsonValueKind.String)
            {
                message = error.GetString();
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? Text(JsonElement error, string name) =>
        error.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The JSON writer of a System.ClientModel model type (<c>IPersistableModel&lt;T&gt;.Write(ModelReaderWriterOptions.Json)</c>), or none.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "Best effort: when trimming removed the interface or its method, no streamed error is read and the answer fails for holding no files.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Best effort: when trimming removed the options' Json property, no streamed error is read and the answer fails for holding no files.")]
    private static Func<object, string?>? FindJsonWriter(Type type)
    {
        var model = type.GetInterfaces().FirstOrDefault(static i => i.IsGenericType && i.GetGenericTypeDefinition().FullName == PersistableModel);
        if (model?.GetMethod("Write") is not { } write || write.GetParameters() is not [{ ParameterType: var optionsType }])
        {
            return null;
        }

        if (optionsType.GetProperty("Json", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is not { } json)
        {
            return null;
        }

        return raw =>
        {
            try
            {
                // BinaryData's ToString() is its UTF-8 text.
                return write.Invoke(raw, [json])?.ToString();
            }
            catch (TargetInvocationException)
            {
                return null;
            }
        };
    }
}
