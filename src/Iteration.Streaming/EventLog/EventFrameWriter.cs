using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.EventLog;

/// <summary>
/// Builds an event's SSE frame (<c>id: N\ndata: {json}\n\n</c>) with the exact JSON <see cref="IterationStreamingJson"/>
/// writes (same fields, order, escaping and numbers), but without the serializer's per-call work: the event log's hot path.
/// </summary>
/// <remarks>
/// Plain ASCII strings, integers and short decimals are written directly; anything else (a string that needs escaping, an
/// unusual number, dictionaries and JSON elements) goes through a <see cref="Utf8JsonWriter"/>, so it is escaped and
/// formatted by the same code as the serializer's. A change to the event's shape must be made here too: a test compares
/// this writer with the context byte for byte. One instance per thread; not thread-safe.
/// </remarks>
[SuppressMessage("Design", "CA1001", Justification = "One per thread for the thread's life; Utf8JsonWriter holds no unmanaged resource.")]
internal sealed class EventFrameWriter
{
    // The characters Utf8JsonWriter's default escaping leaves as they are: printable ASCII except " \ & ' + < > `.
    private static readonly SearchValues<char> VerbatimChars = SearchValues.Create(
        " !#$%()*,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_abcdefghijklmnopqrstuvwxyz{|}~");

    private static readonly double[] PowersOfTen = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000];

    // Well below 2^52: neighbouring decimals of one scale never round to the same double, and scaling is exact enough.
    private const double MaxExactMantissa = 1_125_899_906_842_624;

    private const int KeptBufferSize = 64 * 1024;

    [ThreadStatic]
    private static EventFrameWriter? t_current;

    private readonly Utf8JsonWriter _scratchWriter;
    private ArrayBufferWriter<byte> _scratch = new(256);
    private byte[] _buffer = new byte[1024];
    private int _length;
    private bool _first;

    private EventFrameWriter()
    {
        _scratchWriter = new Utf8JsonWriter(_scratch, new JsonWriterOptions { SkipValidation = true });
    }

    private static EventFrameWriter Current => t_current ??= new EventFrameWriter();

    /// <summary>Returns the frame of <paramref name="progressEvent"/> under <paramref name="sequence"/>, in a new array.</summary>
    public static byte[] BuildFrame(long sequence, StreamingProgressEvent progressEvent)
    {
        var writer = Current;
        writer._length = 0;
        writer.Raw("id: "u8);
        writer.Ensure(20);
        Utf8Formatter.TryFormat(sequence, writer._buffer.AsSpan(writer._length), out var digits);
        writer._length += digits;
        writer.Raw("\ndata: "u8);
        writer.WriteEvent(progressEvent);
        writer.Raw("\n\n"u8);
        return writer.TakeWritten();
    }

    /// <summary>Returns the JSON of <paramref name="progressEvent"/> alone.</summary>
    public static byte[] WriteJson(StreamingProgressEvent progressEvent)
    {
        var writer = Current;
        writer._length = 0;
        writer.WriteEvent(progressEvent);
        return writer.TakeWritten();
    }

    private void WriteEvent(StreamingProgressEvent value)
    {
        StartObject();
        String("\"generation_id\":"u8, value.GenerationId);
        String("\"status\":"u8, value.Status);
        String("\"stage\":"u8, value.Stage);
        Name("\"progress\":"u8);
        Double(value.Progress);
        String("\"message\":"u8, value.Message);
        Name("\"timestamp\":"u8);
        UnixSeconds(value.Timestamp.ToUnixTimeMilliseconds());
        String("\"ab_group\":"u8, value.AbGroup);
        if (value.EnhancedFeatures is { } features)
        {
            Name("\"enhanced_features\":"u8);
            var json = StartScratch();
            json.WriteStartObject();
            foreach (var feature in features)
            {
                json.WriteBoolean(feature.Key, feature.Value);
            }

            json.WriteEndObject();
            EndScratch();
        }

        String("\"generation_mode\":"u8, value.GenerationMode);
        if (value.EstimatedTimeRemaining is { } remaining)
        {
            Name("\"estimated_time_remaining\":"u8);
            Double(remaining);
        }

        String("\"current_file\":"u8, value.CurrentFile);
        if (value.PartialOutput is { } partialOutput)
        {
            Name("\"partial_output\":"u8);
            var json = StartScratch();
            json.WriteStartObject();
            foreach (var output in partialOutput)
            {
                json.WritePropertyName(output.Key);
                output.Value.WriteTo(json);
            }

            json.WriteEndObject();
            EndScratch();
        }

        if (value.PhaseInfo is { } phase)
        {
            Name("\"phase_info\":"u8);
            StartObject();
            Int("\"total_phases\":"u8, phase.TotalPhases);
            Int("\"current_phase\":"u8, phase.CurrentPhase);
            Int("\"entities_count\":"u8, phase.EntitiesCount);
            Int("\"phase\":"u8, phase.Phase);
            String("\"name\":"u8, phase.Name);
            Int("\"files_generated\":"u8, phase.FilesGenerated);
            Int("\"total_files\":"u8, phase.TotalFiles);
            if (phase.Phases is { } phases)
            {
                Name("\"phases\":"u8);
                Raw("["u8);
                for (var i = 0; i < phases.Count; i++)
                {
                    if (i > 0)
                    {
                        Raw(","u8);
                    }

                    StartObject();
                    Int("\"phase\":"u8, phases[i].Phase);
                    String("\"name\":"u8, phases[i].Name);
                    EndObject();
                }

                Raw("]"u8);
            }

            EndObject();
        }

        String("\"warning_type\":"u8, value.WarningType);
        Int("\"parent_file_count\":"u8, value.ParentFileCount);
        Int("\"new_file_count\":"u8, value.NewFileCount);
        if (value.MissingFiles is { } missing)
        {
            Name("\"missing_files\":"u8);
            Raw("["u8);
            for (var i = 0; i < missing.Count; i++)
            {
                if (i > 0)
                {
                    Raw(","u8);
                }

                StringValue(missing[i]);
            }

            Raw("]"u8);
        }

        String("\"error\":"u8, value.Error);
        String("\"replay\":"u8, value.Replay);
        EndObject();
    }

    private void StartObject()
    {
        Raw("{"u8);
        _first = true;
    }

    private void EndObject()
    {
        Raw("}"u8);
        _first = false;
    }

    private void Name(ReadOnlySpan<byte> quotedNameAndColon)
    {
        if (!_first)
        {
            Raw(","u8);
        }

        _first = false;
        Raw(quotedNameAndColon);
    }

    private void String(ReadOnlySpan<byte> name, string? value)
    {
        // Null fields are omitted, as the context's WhenWritingNull does (even required ones left null).
        if (value is not null)
        {
            Name(name);
            StringValue(value);
        }
    }

    private void StringValue(string? value)
    {
        if (value is null)
        {
            Raw("null"u8);
            return;
        }

        if (value.AsSpan().ContainsAnyExcept(VerbatimChars))
        {
            StartScratch().WriteStringValue(value);
            EndScratch();
            return;
        }

        Ensure(value.Length + 2);
        _buffer[_length++] = (byte)'"';
        Ascii.FromUtf16(value, _buffer.AsSpan(_length), out var written);
        _length += written;
        _buffer[_length++] = (byte)'"';
    }

    private void Int(ReadOnlySpan<byte> name, int? value)
    {
        if (value is { } number)
        {
            Name(name);
            Ensure(11);
            Utf8Formatter.TryFormat(number, _buffer.AsSpan(_length), out var written);
            _length += written;
        }
    }

    private void Double(double value)
    {
        Ensure(32);
        if (TryFormatShortDecimal(value, _buffer.AsSpan(_length), out var written))
        {
            _length += written;
            return;
        }

        // Throws for NaN and infinities, as the serializer does.
        StartScratch().WriteNumberValue(value);
        EndScratch();
    }

    /// <summary>
    /// Formats a double that is a decimal with at most 6 fraction digits, in the range where the shortest round-trip
    /// form has no exponent, as that form: the fewest fraction digits that parse back to the same double.
    /// </summary>
    private static bool TryFormatShortDecimal(double value, Span<byte> destination, out int written)
    {
        written = 0;
        var magnitude = Math.Abs(value);
        if (!double.IsFinite(value) || (value == 0 && double.IsNegative(value)) || (magnitude != 0 && (magnitude < 1e-4 || magnitude >= 1e15)))
        {
            return false;
        }

        for (var scale = 0; scale < PowersOfTen.Length; scale++)
        {
            var mantissa = Math.Round(value * PowersOfTen[scale]);
            if (Math.Abs(mantissa) >= MaxExactMantissa)
            {
                return false;
            }

            if (mantissa / PowersOfTen[scale] == value)
            {
                WriteScaled((long)mantissa, scale, destination, out written);
                return true;
            }
        }

        return false;
    }

    private static void WriteScaled(long mantissa, int scale, Span<byte> destination, out int written)
    {
        written = 0;
        if (mantissa < 0)
        {
            destination[written++] = (byte)'-';
            mantissa = -mantissa;
        }

        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(mantissa, digits, out var count);
        if (scale == 0)
        {
            digits[..count].CopyTo(destination[written..]);
            written += count;
            return;
        }

        var whole = count - scale;
        if (whole <= 0)
        {
            destination[written++] = (byte)'0';
            destination[written++] = (byte)'.';
            for (var i = whole; i < 0; i++)
            {
                destination[written++] = (byte)'0';
            }

            digits[..count].CopyTo(destination[written..]);
            written += count;
            return;
        }

        digits[..whole].CopyTo(destination[written..]);
        written += whole;
        destination[written++] = (byte)'.';
        digits[whole..count].CopyTo(destination[written..]);
        written += count - whole;
    }

    /// <summary>
    /// Writes milliseconds as the decimal <c>ms / 1000m</c> formats (what the event's <c>timestamp</c> property holds):
    /// seconds, then the fraction without trailing zeros, with no fraction at all on a whole second.
    /// </summary>
    private void UnixSeconds(long milliseconds)
    {
        Ensure(24);
        var span = _buffer.AsSpan(_length);
        var length = 0;
        var magnitude = (ulong)milliseconds;
        if (milliseconds < 0)
        {
            span[length++] = (byte)'-';
            magnitude = (ulong)-milliseconds;
        }

        var fraction = (int)(magnitude % 1000);
        Utf8Formatter.TryFormat(magnitude / 1000, span[length..], out var written);
        length += written;
        if (fraction != 0)
        {
            span[length++] = (byte)'.';
            span[length++] = (byte)('0' + (fraction / 100));
            fraction %= 100;
            if (fraction != 0)
            {
                span[length++] = (byte)('0' + (fraction / 10));
                fraction %= 10;
                if (fraction != 0)
                {
                    span[length++] = (byte)('0' + fraction);
                }
            }
        }

        _length += length;
    }

    private Utf8JsonWriter StartScratch()
    {
        _scratch.ResetWrittenCount();
        _scratchWriter.Reset(_scratch);
        return _scratchWriter;
    }

    private void EndScratch()
    {
        _scratchWriter.Flush();
        Raw(_scratch.WrittenSpan);
        if (_scratch.Capacity > KeptBufferSize)
        {
            // A rare huge value must not pin its buffer to the thread for good.
            _scratch = new ArrayBufferWriter<byte>(256);
        }
    }

    private byte[] TakeWritten()
    {
        var written = _buffer.AsSpan(0, _length).ToArray();
        if (_buffer.Length > KeptBufferSize)
        {
            _buffer = new byte[1024];
        }

        return written;
    }

    private void Raw(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    private void Ensure(int count)
    {
        if (_buffer.Length - _length < count)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }
    }
}
