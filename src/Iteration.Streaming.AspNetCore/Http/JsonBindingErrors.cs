using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Iteration.Streaming.AspNetCore.Http;

/// <summary>
/// Words a <see cref="JsonException"/> of a request body for the client: a value of the wrong JSON type names its field
/// by its JSON path and the JSON type expected and found ("'entities' must be a JSON array of strings, not a string"); a
/// body that is not JSON says where it broke. Never a .NET type name: the serializer's own messages name them.
/// </summary>
internal static class JsonBindingErrors
{
    private const string ConversionMessage = "The JSON value could not be converted";

    public static string Describe(JsonException exception, ReadOnlySequence<byte> body, JsonTypeInfo typeInfo)
    {
        var path = exception.Path;
        if (!exception.Message.StartsWith(ConversionMessage, StringComparison.Ordinal))
        {
            // Well-formed JSON refused by a contract's own converter ("after_phases": "some"): name the field it sits in.
            return path is { Length: > 2 } && path.StartsWith("$.", StringComparison.Ordinal) && IsWellFormed(body)
                ? $"'{path[2..]}' is not valid: {Reason(exception)}."
                : NotJson(exception);
        }

        var found = FoundKind(body, path);
        if (path is null or "$")
        {
            return $"The request body must be a JSON object{Found(found)}.";
        }

        var (field, expected, integer) = Expected(path, typeInfo);
        if (integer is { } maxValue && found == JsonValueKind.Number)
        {
            // A fraction, or a whole number past the type's range: the JSON type is right, the value is not.
            return $"'{field}' must be a whole number (a JSON integer) of at most {maxValue}.";
        }

        return expected is null
            ? $"'{field}' has the wrong JSON type{Found(found)}."
            : $"'{field}' must be {InJson(expected)}{Found(found)}.";
    }

    private static string NotJson(JsonException exception)
    {
        var where = exception.LineNumber is { } line
            ? string.Create(CultureInfo.InvariantCulture, $" at line {line + 1}, byte {exception.BytePositionInLine + 1}")
            : string.Empty;
        return $"The request body is not valid JSON{where}: {Reason(exception)}.";
    }

    /// <summary>The exception's own reason, without the serializer's position suffix or a .NET type name.</summary>
    private static string Reason(JsonException exception)
    {
        var message = exception.Message;
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        }

        var reason = (cut < 0 ? message : message[..cut]).Trim();
        if (reason.Contains("System.", StringComparison.Ordinal) || reason.Length == 0)
        {
            reason = "it could not be read";
        }

        return reason.TrimEnd('.');
    }

    private static bool IsWellFormed(ReadOnlySequence<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// The field as the client wrote it (<c>entities[1]</c>, <c>budget.max_output_tokens</c>) and what its type expects,
    /// from the contract's JSON metadata; for an integer, its largest value.
    /// </summary>
    private static (string Field, string? Expected, string? IntegerMax) Expected(string path, JsonTypeInfo typeInfo)
    {
        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        var info = typeInfo;
        foreach (var segment in field.Split('.'))
        {
            var bracket = segment.IndexOf('[', StringComparison.Ordinal);
            var name = bracket < 0 ? segment : segment[..bracket];
            var property = info.Properties.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal));
            if (property is null)
            {
                return (field, null, null);
            }

            info = info.Options.GetTypeInfo(property.PropertyType);
            if (bracket >= 0 && info.ElementType is { } element)
            {
                info = info.Options.GetTypeInfo(element);
            }
        }

        return (field, Describe(info), IntegerMax(info));
    }

    private static string? IntegerMax(JsonTypeInfo info) => (Nullable.GetUnderlyingType(info.Type) ?? info.Type) switch
    {
        var t when t == typeof(long) => long.MaxValue.ToString(CultureInfo.InvariantCulture),
        var t when t == typeof(int) => int.MaxValue.ToString(CultureInfo.InvariantCulture),
        var t when t == typeof(short) => short.MaxValue.ToString(CultureInfo.InvariantCulture),
        var t when t == typeof(ulong) => ulong.MaxValue.ToString(CultureInfo.InvariantCulture),
        var t when t == typeof(uint) => uint.MaxValue.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };

    private static string? Describe(JsonTypeInfo info)
    {
        var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        if (type == typeof(string))
        {
            return "a string";
        }

        if (type == typeof(bool))
        {
            return "true or false";
        }

        if (type == typeof(long) || type == typeof(int) || type == typeof(short) || type == typeof(ulong) || type == typeof(uint))
        {
            return "an integer";
        }

        if (type.IsPrimitive || type == typeof(decimal))
        {
            return "a number";
        }

        return info.Kind == JsonTypeInfoKind.Enumerable && info.ElementType is { } element
            ? $"an array of {Plural(Describe(info.Options.GetTypeInfo(element)))}"
            : "an object";
    }

    private static string InJson(string expected) => expected switch
    {
        _ when expected.StartsWith("a ", StringComparison.Ordinal) => "a JSON " + expected[2..],
        _ when expected.StartsWith("an ", StringComparison.Ordinal) => "a JSON " + expected[3..],
        _ => expected,
    };

    private static string Plural(string? single) => single switch
    {
        "a string" => "strings",
        "a number" => "numbers",
        "an integer" => "integers",
        "true or false" => "true or false values",
        _ => "values",
    };

    private static string Found(JsonValueKind? kind) => kind switch
    {
        JsonValueKind.String => ", not a string",
        JsonValueKind.Number => ", not a number",
        JsonValueKind.True or JsonValueKind.False => ", not true or false",
        JsonValueKind.Array => ", not an array",
        JsonValueKind.Object => ", not an object",
        JsonValueKind.Null => ", not null",
        _ => string.Empty,
    };

    /// <summary>The JSON type found at <paramref name="path"/> (<c>$</c>, <c>$.name</c>, <c>$.name[i]</c>, <c>$.name.inner</c>), when the body parses.</summary>
    private static JsonValueKind? FoundKind(ReadOnlySequence<byte> body, string? path)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var element = document.RootElement;
            var rest = path is null || path == "$" ? string.Empty : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
            if (rest is null)
            {
                return null;
            }

            if (rest.Length == 0)
            {
                return element.ValueKind;
            }

            foreach (var segment in rest.Split('.'))
            {
                var bracket = segment.IndexOf('[', StringComparison.Ordinal);
                var name = bracket < 0 ? segment : segment[..bracket];
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
                {
                    return null;
                }

                if (bracket >= 0)
                {
                    var close = segment.IndexOf(']', bracket);
                    if (close < 0 || !int.TryParse(segment.AsSpan(bracket + 1, close - bracket - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                        || element.ValueKind != JsonValueKind.Array || index >= element.GetArrayLength())
                    {
                        return null;
                    }

                    element = element[index];
                }
            }

            return element.ValueKind;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
