using System.Globalization;
using System.Text;

namespace DevServer.Orchestrator.Secrets;

/// <summary>
/// Where a secret is stored: its column and the id of its row. A value is encrypted for one slot (the slot is the
/// associated data), so a ciphertext copied into another row or another column does not decrypt: whoever can write to
/// the database cannot give one repository another repository's token.
/// </summary>
internal readonly record struct SecretSlot(string Column, long RowId)
{
    /// <summary>The associated data of format v2: the column and the row, e.g. <c>repositories.forge_token:42</c>.</summary>
    public byte[] AssociatedData() => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Column}:{RowId}"));

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Column} of row {RowId}");
}
