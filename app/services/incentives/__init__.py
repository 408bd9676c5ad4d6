"""Merchants, offers and coupons (商家礼遇).

Rules: a merchant honours coupons only once approved; a volunteer claims a coupon of an
offer only at or above its star level, within its window, its total quota (a conditional
UPDATE of the claimed count, so racing claims never oversell) and its per-volunteer limit
(counted under the volunteer's row lock, so racing claims of one person never exceed it);
a coupon is redeemed at most once, by the offer's own merchant, before it expires — one
conditional UPDATE, so exactly one of simultaneous attempts wins on every backend.

The modules, by concept:
- merchants: registering, approving and suspending merchants, their logins and logos;
- offers: a merchant's offers, and what a volunteer can do about each one now;
- coupons: claiming a coupon, a volunteer's coupons, their codes and expiry;
- counter: reading a code at the merchant's counter and redeeming a coupon once;
- typed_codes: the eight characters a volunteer reads out when the QR cannot be scanned;
- figures: redemptions per day, offer and merchant.
"""
