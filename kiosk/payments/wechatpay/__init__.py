"""WeChat Pay API v3 (direct merchant) behind :class:`kiosk.payments.channel.ChannelClient`."""
