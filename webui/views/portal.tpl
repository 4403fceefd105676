% rebase('base.tpl')
<h1>{{_('page.portal')}} · {{extension}}</h1>
% if error:
<p class="alarm" role="alert">{{_(error)}}</p>
% end
<div class="grid">
<section class="card">
<h2>{{_('portal.voicemail')}}</h2>
% if not active['voicemail']:
<p class="notice">{{_('portal.voicemail_inactive')}}</p>
% end
<table class="data" id="voicemail">
% for m in voicemail:
<tr><td>{{m['name']}}</td><td><audio controls preload="none" src="/media/voicemail/{{m['path']}}"></audio></td>
<td><form method="post" action="/portal/voicemail/delete" class="inline">
<input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="path" value="{{m['path']}}">
<button type="submit" class="small danger">{{_('button.delete')}}</button></form></td></tr>
% end
</table>
% if not voicemail:
<p class="empty">{{_('portal.no_voicemail')}}</p>
% end
</section>
<section class="card">
<h2>{{_('portal.recordings')}}</h2>
<table class="data">
% for r in recordings:
<tr><td>{{r['start'].replace('T', ' ')[:16]}}</td><td>{{r['src']}} → {{r['dst']}}</td><td><audio controls preload="none" src="/media/recordings/{{r['recording']}}"></audio></td></tr>
% end
</table>
% if not recordings:
<p class="empty">{{_('portal.no_recordings')}}</p>
% end
</section>
<section class="card">
<h2>{{_('portal.settings')}}</h2>
% if not active['forwarding']:
<p class="notice" id="forwarding-inactive">{{_('portal.forwarding_inactive')}}</p>
% end
<form method="post" action="/portal/settings" class="stack" id="portal-settings">
<input type="hidden" name="csrf" value="{{csrf}}">
<label>{{_('portal.forward_always')}} <input name="forward_always" value="{{settings['forward_always']}}" inputmode="tel"></label>
<label>{{_('portal.forward_busy')}} <input name="forward_busy" value="{{settings['forward_busy']}}" inputmode="tel"></label>
<label>{{_('portal.forward_no_answer')}} <input name="forward_no_answer" value="{{settings['forward_no_answer']}}" inputmode="tel"></label>
<label>{{_('portal.follow_me')}} <input name="follow_me" value="{{settings['follow_me']}}" placeholder="0301234567, 0172...">
</label>
<label class="check"><input type="checkbox" name="follow_me_enabled" value="1" {{'checked' if settings['follow_me_enabled'] else ''}}> {{_('portal.follow_me_enabled')}}</label>
<label>{{_('portal.follow_me_after_s')}} <input name="follow_me_after_s" type="number" min="5" max="60" value="{{settings['follow_me_after_s']}}"></label>
<label>{{_('portal.follow_me_order')}} <select name="follow_me_order">
% for o in ('parallel', 'in_order'):
<option value="{{o}}" {{'selected' if settings['follow_me_order'] == o else ''}}>{{_('portal.follow_me_order.' + o)}}</option>
% end
</select></label>
<p class="hint" id="follow-me-note">{{_('portal.follow_me_note')}}</p>
<label>{{_('portal.pin')}} <input name="voicemail_pin" type="password" inputmode="numeric" autocomplete="new-password" placeholder="{{_('portal.pin_set') if settings['pin_set'] else ''}}"></label>
<button type="submit" id="portal-save">{{_('button.save')}}</button>
</form>
</section>
</div>
<section class="card">
<h2>{{_('portal.calls')}} <a class="button small" href="/history.csv">{{_('history.csv')}}</a></h2>
<table class="data" id="portal-calls">
<thead><tr><th>{{_('col.start')}}</th><th>{{_('col.from')}}</th><th>{{_('col.to')}}</th><th>{{_('col.disposition')}}</th><th>{{_('col.talk')}}</th></tr></thead>
% for r in rows:
<tr><td>{{r['start'].replace('T', ' ')[:16]}}</td><td>{{r['src']}} {{r['src_name']}}</td><td>{{r['dst']}}</td><td class="disp-{{r['group']}}">{{_('disp.' + r['group'], r['group'])}}</td><td>{{int(r['billsec'])}} s</td></tr>
% end
</table>
</section>
