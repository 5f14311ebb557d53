<?xml version="1.0"?>
<!-- ocf:xvm:domain meta-data -> DocBook refentry, for docbook-xsl's man page
     stylesheet.  Written for this project; the man page is generated from
     the same XML the agent prints, so it cannot drift from it. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="xml" indent="yes"/>
  <xsl:param name="version"/>

  <xsl:template match="/resource-agent">
    <refentry id="ocf_xvm_{@name}">
      <refentryinfo>
        <author><othername>the ocf:xvm:domain developers</othername></author>
      </refentryinfo>
      <refmeta>
        <refentrytitle>ocf_xvm_<xsl:value-of select="@name"/></refentrytitle>
        <manvolnum>7</manvolnum>
        <refmiscinfo class="source">ocf:xvm:domain</refmiscinfo>
        <refmiscinfo class="version"><xsl:value-of select="$version"/></refmiscinfo>
        <refmiscinfo class="manual">OCF resource agents</refmiscinfo>
      </refmeta>
      <refnamediv>
        <refname>ocf_xvm_<xsl:value-of select="@name"/></refname>
        <refpurpose><xsl:value-of select="normalize-space(shortdesc)"/></refpurpose>
      </refnamediv>
      <refsynopsisdiv>
        <cmdsynopsis>
          <command>domain</command>
          <group choice="req">
            <xsl:for-each select="actions/action">
              <arg choice="plain"><xsl:value-of select="@name"/></arg>
            </xsl:for-each>
          </group>
          <arg choice="opt" rep="repeat"><replaceable>parameter</replaceable>=<replaceable>value</replaceable></arg>
        </cmdsynopsis>
      </refsynopsisdiv>
      <refsection>
        <title>Description</title>
        <xsl:call-template name="paragraphs">
          <xsl:with-param name="text" select="longdesc"/>
        </xsl:call-template>
      </refsection>
      <refsection>
        <title>Parameters</title>
        <variablelist>
          <xsl:apply-templates select="parameters/parameter"/>
        </variablelist>
      </refsection>
      <refsection>
        <title>Actions and default timeouts</title>
        <variablelist>
          <xsl:for-each select="actions/action">
            <varlistentry>
              <term><option><xsl:value-of select="@name"/></option></term>
              <listitem><para>timeout <xsl:value-of select="@timeout"/>
                <xsl:if test="@interval">, interval <xsl:value-of select="@interval"/></xsl:if>
              </para></listitem>
            </varlistentry>
          </xsl:for-each>
        </variablelist>
      </refsection>
      <refsection>
        <title>Example</title>
        <programlisting>pcs resource create vm1 ocf:xvm:domain config=/shared/vm1.xml \
    migration_transport=ssh meta allow-migrate=true</programlisting>
      </refsection>
    </refentry>
  </xsl:template>

  <xsl:template match="parameter">
    <varlistentry>
      <term>
        <option><xsl:value-of select="@name"/></option>
        <xsl:text> (</xsl:text>
        <xsl:value-of select="content/@type"/>
        <xsl:if test="@required = '1'">, required</xsl:if>
        <xsl:if test="string(content/@default)">, default "<xsl:value-of select="content/@default"/>"</xsl:if>
        <xsl:text>)</xsl:text>
      </term>
      <listitem>
        <para><xsl:value-of select="normalize-space(shortdesc)"/>.</para>
        <xsl:call-template name="paragraphs">
          <xsl:with-param name="text" select="longdesc"/>
        </xsl:call-template>
      </listitem>
    </varlistentry>
  </xsl:template>

  <!-- Blank lines separate paragraphs in longdesc. -->
  <xsl:template name="paragraphs">
    <xsl:param name="text"/>
    <xsl:variable name="sep" select="'&#10;&#10;'"/>
    <xsl:choose>
      <xsl:when test="contains($text, $sep)">
        <xsl:if test="normalize-space(substring-before($text, $sep))">
          <para><xsl:value-of select="normalize-space(substring-before($text, $sep))"/></para>
        </xsl:if>
        <xsl:call-template name="paragraphs">
          <xsl:with-param name="text" select="substring-after($text, $sep)"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:when test="normalize-space($text)">
        <para><xsl:value-of select="normalize-space($text)"/></para>
      </xsl:when>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
