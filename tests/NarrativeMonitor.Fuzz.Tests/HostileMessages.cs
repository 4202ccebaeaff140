using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace NarrativeMonitor.Fuzz.Tests;

/// <summary>Protobuf payloads built from a message descriptor: well-formed with hostile values, or broken on purpose.</summary>
public sealed class HostileMessages(int seed)
{
    private readonly Random _random = new(seed);

    private static readonly string[] HostileStrings =
    [
        "", " ", "\t\r\n", "\0", "\u0001\u0002\u001b[31m", "\u202Eevil\u202C", "\u200B\u200B", "\uFEFF", "🧨💥", "\uD800", "\uDFFF\uD800",
        "*", "?", "[", "nm:*", "{x}", "\r\nFLUSHALL\r\n", "' OR 1=1 --", "../../etc/passwd", "%00", "%ZZ", "\\u0000",
        "http://", "https://127.0.0.1:1/", "http://[::1]:0/x", "javascript:alert(1)", "file:///etc/passwd", "ftp://x/",
        "https://example.org/" + new string('a', 5000), "mailto:a@b", "http://a b/", "https://xn--80ak6aa92e.com/",
        "a", "-", "_", ".", "..", "src-1", "0", "-1", "9223372036854775808", "NaN", "1e309", "2024-13-45T99:99:99Z",
        "state_media", "SOURCE_KIND_STATE_MEDIA", "null", "true", "[]", "{}", "<script>alert(1)</script>", "<!--",
        new string('x', 65), new string('y', 1001), new string('z', 4097), new string('é', 70_000), string.Concat(Enumerable.Repeat("word ", 50_000)),
        "Кремль отказался комментировать", "Україна", "北朝鮮の兵士", "ا\u0644\u0639\u0631\u0628\u064A\u0629",
    ];

    private static readonly ulong[] HostileVarints =
    [
        0, 1, 2, 3, 4, 5, 6, 7, 100, 127, 128, 255, 1000, 1001, 65535, int.MaxValue, (ulong)int.MaxValue + 1, uint.MaxValue,
        long.MaxValue, ulong.MaxValue, unchecked((ulong)-1L), unchecked((ulong)(long)int.MinValue), unchecked((ulong)long.MinValue),
    ];

    public Random Random => _random;

    /// <summary>A well-formed message of the type, every field present with some probability, values drawn from hostile sets.</summary>
    public byte[] WellFormed(MessageDescriptor descriptor, int depth = 0)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            if (_random.Next(4) == 0)
            {
                continue;
            }

            var count = field.IsRepeated ? _random.Next(0, _random.Next(10) == 0 ? 1200 : 4) : 1;
            for (var i = 0; i < count; i++)
            {
                WriteValue(output, field, depth);
            }
        }

        output.Flush();
        return buffer.ToArray();
    }

    private void WriteValue(CodedOutputStream output, FieldDescriptor field, int depth)
    {
        switch (field.FieldType)
        {
            case FieldType.String:
                output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
                output.WriteString(HostileString());
                break;
            case FieldType.Bytes:
                output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
                output.WriteBytes(ByteString.CopyFrom(RandomBytes(_random.Next(0, 64))));
                break;
            case FieldType.Message when depth < 6:
                output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
                output.WriteBytes(ByteString.CopyFrom(WellFormed(field.MessageType, depth + 1)));
                break;
            case FieldType.Message:
                break;
            case FieldType.Fixed32 or FieldType.SFixed32 or FieldType.Float:
                output.WriteTag(field.FieldNumber, WireFormat.WireType.Fixed32);
                output.WriteFixed32(_random.Next(3) == 0 ? BitConverter.SingleToUInt32Bits(float.NaN) : (uint)HostileVarint());
                break;
            case FieldType.Fixed64 or FieldType.SFixed64 or FieldType.Double:
                output.WriteTag(field.FieldNumber, WireFormat.WireType.Fixed64);
                output.WriteFixed64(_random.Next(3) == 0 ? BitConverter.DoubleToUInt64Bits(HostileDouble()) : HostileVarint());
                break;
            case FieldType.Group:
                break;
            default:
                output.WriteTag(field.FieldNumber, WireFormat.WireType.Varint);
                output.WriteUInt64(HostileVarint());
                break;
        }
    }

    /// <summary>A valid message with one known field written with a wire type its type never has (including the invalid 6 and 7).</summary>
    public byte[] WrongWireType(MessageDescriptor descriptor)
    {
        var prefix = WellFormed(descriptor);
        var fields = descriptor.Fields.InFieldNumberOrder();
        var field = fields.Count > 0 ? fields[_random.Next(fields.Count)] : null;
        var number = field?.FieldNumber ?? 1;
        var right = field is null ? -1 : (int)WireTypeOf(field);
        int wire;
        do
        {
            wire = _random.Next(0, 8);
        }
        while (wire == right);

        using var buffer = new MemoryStream();
        buffer.Write(prefix);
        var output = new CodedOutputStream(buffer);
        output.WriteUInt32((uint)((number << 3) | wire));
        switch (wire)
        {
            case 0: output.WriteUInt64(HostileVarint()); break;
            case 1: output.WriteFixed64(HostileVarint()); break;
            case 2: output.WriteBytes(ByteString.CopyFrom(RandomBytes(_random.Next(0, 40)))); break;
            case 5: output.WriteFixed32((uint)HostileVarint()); break;
            case 3:
                output.Flush();
                buffer.Write(RandomBytes(_random.Next(0, 8)));
                break;
        }

        output.Flush();
        return buffer.ToArray();
    }

    /// <summary>A valid message with the string fields (at any depth along the first message field chain) holding invalid UTF-8.</summary>
    public byte[] InvalidUtf8(MessageDescriptor descriptor, int depth = 0)
    {
        byte[][] bad =
        [
            [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80, 0x80, 0x80],
            [0x61, 0x62, 0xFE, 0x63], [0xF0, 0x9F, 0x98], [0xC3, 0x28], [0xE0, 0x80, 0xAF],
        ];
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            if (field.FieldType == FieldType.String)
            {
                output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
                var value = Encoding.UTF8.GetBytes("ok-").Concat(bad[_random.Next(bad.Length)]).Concat(Encoding.UTF8.GetBytes("-x")).ToArray();
                output.WriteBytes(ByteString.CopyFrom(value));
            }
            else if (field.FieldType == FieldType.Message && depth < 3)
            {
                output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
                output.WriteBytes(ByteString.CopyFrom(InvalidUtf8(field.MessageType, depth + 1)));
            }
        }

        output.Flush();
        return buffer.ToArray();
    }

    /// <summary>The first string field on the path to it (through message fields), set to <paramref name="length"/> characters.</summary>
    public static byte[]? HugeString(MessageDescriptor descriptor, int length, char fill, int depth = 0)
    {
        foreach (var field in descriptor.Fields.InFieldNumberOrder())
        {
            byte[]? inner = field.FieldType switch
            {
                FieldType.String => Encoding.UTF8.GetBytes(new string(fill, length)),
                FieldType.Message when depth < 3 => HugeString(field.MessageType, length, fill, depth + 1),
                _ => null,
            };
            if (inner is null)
            {
                continue;
            }

            using var buffer = new MemoryStream();
            var output = new CodedOutputStream(buffer);
            output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(inner));
            output.Flush();
            return buffer.ToArray();
        }

        return null;
    }

    /// <summary>Unknown groups nested <paramref name="depth"/> deep inside the message (protobuf's recursion limit is 100).</summary>
    public static byte[] NestedGroups(int depth)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        for (var i = 0; i < depth; i++)
        {
            output.WriteTag(9_999, WireFormat.WireType.StartGroup);
        }

        for (var i = 0; i < depth; i++)
        {
            output.WriteTag(9_999, WireFormat.WireType.EndGroup);
        }

        output.Flush();
        return buffer.ToArray();
    }

    /// <summary>A chain of the message's own message fields, as deep as the schema allows, plus an unknown length-delimited field nested <paramref name="depth"/> times.</summary>
    public static byte[] NestedMessages(MessageDescriptor descriptor, int depth)
    {
        var unknown = Array.Empty<byte>();
        for (var i = 0; i < depth; i++)
        {
            using var buffer = new MemoryStream();
            var output = new CodedOutputStream(buffer);
            output.WriteTag(9_998, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(unknown));
            output.Flush();
            unknown = buffer.ToArray();
        }

        return DeepestChain(descriptor, unknown, 0);
    }

    private static byte[] DeepestChain(MessageDescriptor descriptor, byte[] innermost, int depth)
    {
        var field = descriptor.Fields.InFieldNumberOrder().FirstOrDefault(f => f.FieldType == FieldType.Message);
        if (field is null || depth > 50)
        {
            return innermost;
        }

        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(DeepestChain(field.MessageType, innermost, depth + 1)));
        output.Flush();
        return buffer.ToArray();
    }

    public byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    public string HostileString()
    {
        return _random.Next(5) switch
        {
            0 => RandomUnicode(_random.Next(0, 300)),
            1 => HostileStrings[_random.Next(HostileStrings.Length)] + HostileStrings[_random.Next(HostileStrings.Length)],
            _ => HostileStrings[_random.Next(HostileStrings.Length)],
        };
    }

    private string RandomUnicode(int length)
    {
        var builder = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            builder.Append(_random.Next(4) switch
            {
                0 => (char)_random.Next(0, 0x20),
                1 => (char)_random.Next(0x20, 0x7F),
                2 => (char)_random.Next(0x400, 0x4FF),
                _ => (char)_random.Next(0x80, 0xFFFF),
            });
        }

        return builder.ToString();
    }

    private ulong HostileVarint() =>
        _random.Next(3) == 0 ? (ulong)_random.NextInt64() : HostileVarints[_random.Next(HostileVarints.Length)];

    private double HostileDouble() =>
        new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, double.Epsilon, double.MaxValue, -1, 2 }[_random.Next(8)];

    private static WireFormat.WireType WireTypeOf(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.String or FieldType.Bytes or FieldType.Message => WireFormat.WireType.LengthDelimited,
        FieldType.Fixed32 or FieldType.SFixed32 or FieldType.Float => WireFormat.WireType.Fixed32,
        FieldType.Fixed64 or FieldType.SFixed64 or FieldType.Double => WireFormat.WireType.Fixed64,
        FieldType.Group => WireFormat.WireType.StartGroup,
        // Packed repeated scalars are length-delimited too; parsers accept both, so varint counts as right for them.
        _ => WireFormat.WireType.Varint,
    };
}
