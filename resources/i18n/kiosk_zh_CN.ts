<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>BusyScreen</name>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="194"/>
        <source>%1 of %2</source>
        <translation>%1 / %2</translation>
    </message>
</context>
<context>
    <name>DemoPanelWindow</name>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="115"/>
        <source>Demo devices</source>
        <translation>演示设备</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="116"/>
        <source>Act as the patient</source>
        <translation>模拟患者操作</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="117"/>
        <source>Device status</source>
        <translation>设备状态</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="120"/>
        <source>Insert ID card %1</source>
        <translation>放入身份证 %1</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="121"/>
        <source>Remove ID card</source>
        <translation>取走身份证</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="122"/>
        <source>Swipe visit card</source>
        <translation>刷就诊卡</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="123"/>
        <source>Scan health code</source>
        <translation>扫健康码</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="124"/>
        <source>Scan payment code</source>
        <translation>扫付款码</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="125"/>
        <source>Scan insurance e-voucher</source>
        <translation>扫医保电子凭证</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="126"/>
        <source>Scan report slip</source>
        <translation>扫报告取单条码</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="127"/>
        <source>Put paper back</source>
        <translation>装回打印纸</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="127"/>
        <source>Take the paper out</source>
        <translation>取出打印纸（缺纸）</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/demo_panel.py" line="128"/>
        <source>Card terminal answers:</source>
        <translation>银行卡终端应答：</translation>
    </message>
</context>
<context>
    <name>ErrorScreen</name>
    <message>
        <location filename="../../kiosk/ui/screens/goodbye.py" line="94"/>
        <source>Service interrupted</source>
        <translation>服务中断</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/goodbye.py" line="97"/>
        <source>Error code: %1</source>
        <translation>错误代码：%1</translation>
    </message>
</context>
<context>
    <name>FlowScreen</name>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="129"/>
        <source>Back</source>
        <translation>返回上一步</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="130"/>
        <source>Home</source>
        <translation>返回首页</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="137"/>
        <source>Step %1 of %2</source>
        <translation>第 %1 步，共 %2 步</translation>
    </message>
</context>
<context>
    <name>GoodbyeScreen</name>
    <message>
        <location filename="../../kiosk/ui/screens/goodbye.py" line="70"/>
        <source>Thank you!</source>
        <translation>谢谢使用！</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/goodbye.py" line="71"/>
        <source>Please take your card, receipt and belongings.</source>
        <translation>请取走您的卡片、凭条和随身物品。</translation>
    </message>
</context>
<context>
    <name>HomeScreen</name>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="124"/>
        <source>Please touch the service you need</source>
        <translation>请点击您要办理的业务</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="126"/>
        <source>Self-service is not available at this kiosk yet. Please go to the service counter.</source>
        <translation>本机暂未开通自助服务，请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="130"/>
        <source>Book a doctor for today or the next 7 days</source>
        <translation>当日挂号，或预约未来 7 天</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="131"/>
        <source>Booked already? Check in and get your number</source>
        <translation>已预约？签到并取号</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="132"/>
        <source>Tests, medicine and treatment</source>
        <translation>检查、药品和治疗费用</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="133"/>
        <source>Lab and imaging reports</source>
        <translation>检验、检查报告</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="142"/>
        <source>Large text</source>
        <translation>长辈模式</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/home.py" line="154"/>
        <source>ddd d MMM  HH:mm</source>
        <translation>M月d日 dddd  HH:mm</translation>
    </message>
</context>
<context>
    <name>IdentifyScreen</name>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="238"/>
        <source>Place your ID card on the reader</source>
        <translation>请将身份证放在读卡区</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="239"/>
        <source>Swipe your visit or insurance card</source>
        <translation>请刷就诊卡或医保卡</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="240"/>
        <source>Show your health code to the scanner</source>
        <translation>请将健康码对准扫码口</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="245"/>
        <source>Type my visit card number</source>
        <translation>手动输入就诊卡号</translation>
    </message>
</context>
<context>
    <name>IdleWarningOverlay</name>
    <message>
        <location filename="../../kiosk/ui/idle_overlay.py" line="69"/>
        <source>Are you still there?</source>
        <translation>您还在吗？</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/idle_overlay.py" line="70"/>
        <source>I need more time</source>
        <translation>我还需要时间</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/idle_overlay.py" line="71"/>
        <source>End now</source>
        <translation>结束操作</translation>
    </message>
    <message numerus="yes">
        <location filename="../../kiosk/ui/idle_overlay.py" line="76"/>
        <source>To protect your privacy, this session ends in %n second(s).</source>
        <translation>
            <numerusform>为保护您的隐私，本次操作将在 %n 秒后结束。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>KeypadScreen</name>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="294"/>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="295"/>
        <source>OK</source>
        <translation>确定</translation>
    </message>
</context>
<context>
    <name>ListScreen</name>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="363"/>
        <source>Previous</source>
        <translation>上一页</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="364"/>
        <source>More</source>
        <translation>下一页</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="368"/>
        <source>Page %1 of %2</source>
        <translation>第 %1 页，共 %2 页</translation>
    </message>
</context>
<context>
    <name>MessageScreen</name>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="164"/>
        <source>Error code: %1</source>
        <translation>错误代码：%1</translation>
    </message>
</context>
<context>
    <name>ServiceNames</name>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="52"/>
        <source>Registration</source>
        <translation>挂号</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="53"/>
        <source>Check-in</source>
        <translation>预约签到</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="54"/>
        <source>Pay bills</source>
        <translation>缴费</translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/flow.py" line="55"/>
        <source>Print reports</source>
        <translation>报告打印</translation>
    </message>
</context>
<context>
    <name>TimedScreenTexts</name>
    <message numerus="yes">
        <location filename="../../kiosk/ui/screens/goodbye.py" line="21"/>
        <source>Returning to the home screen in %n second(s)</source>
        <translation>
            <numerusform>%n 秒后返回首页</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../kiosk/ui/screens/goodbye.py" line="24"/>
        <source>Back to home</source>
        <translation>返回首页</translation>
    </message>
</context>
<context>
    <name>errors</name>
    <message>
        <location filename="../../kiosk/errors.py" line="26"/>
        <location filename="../../kiosk/payments/errors.py" line="97"/>
        <location filename="../../kiosk/payments/errors.py" line="106"/>
        <source>Sorry, this kiosk cannot continue. Please go to the service counter.</source>
        <translation>抱歉，本机暂时无法继续服务，请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/errors.py" line="39"/>
        <location filename="../../kiosk/payments/errors.py" line="22"/>
        <source>Sorry, something went wrong and your session was ended. If you have paid, the payment is recorded and will be settled or refunded. Please try again or go to the service counter.</source>
        <translation>抱歉，出现问题，本次操作已结束。如您已付款，款项已记录，将为您完成结算或退款。请重试或到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="16"/>
        <source>Sorry, a device in this kiosk is not working. Please go to the service counter.</source>
        <translation>抱歉，本机设备暂时无法使用，请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="43"/>
        <source>Sorry, that took too long. Please try again.</source>
        <translation>抱歉，操作超时，请重试。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="48"/>
        <location filename="../../kiosk/payments/errors.py" line="41"/>
        <source>The device is busy. Please wait a moment and try again.</source>
        <translation>设备正忙，请稍候再试。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="77"/>
        <source>Sorry, the receipt printer is not ready. Nothing has been charged. Please go to the service counter.</source>
        <translation>抱歉，凭条打印机未就绪，本次未扣费。请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="86"/>
        <source>Sorry, your receipt could not be printed. It has been saved; the service counter can print it.</source>
        <translation>抱歉，凭条未能打印，已为您保存，可到人工服务窗口补打。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="93"/>
        <source>Sorry, your report could not be printed. Please collect it at the service counter.</source>
        <translation>抱歉，报告未能打印，请到人工服务窗口领取。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="100"/>
        <source>The card could not be read. Please remove it and try again.</source>
        <translation>未能读取卡片，请取出后重试。</translation>
    </message>
    <message>
        <location filename="../../kiosk/devices/errors.py" line="105"/>
        <location filename="../../kiosk/payments/errors.py" line="78"/>
        <source>Sorry, card payment is not available right now. Please choose another way to pay.</source>
        <translation>抱歉，银行卡支付暂不可用，请选择其他支付方式。</translation>
    </message>
    <message>
        <location filename="../../kiosk/his/errors.py" line="19"/>
        <source>Sorry, the hospital system could not complete your request. Please go to the service counter.</source>
        <translation>抱歉，医院系统未能完成您的请求，请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/his/errors.py" line="28"/>
        <source>We could not find your record. Please check your card or ask at the counter.</source>
        <translation>未找到您的就诊记录，请检查卡片或到人工服务窗口咨询。</translation>
    </message>
    <message>
        <location filename="../../kiosk/his/errors.py" line="37"/>
        <location filename="../../kiosk/payments/errors.py" line="33"/>
        <source>That choice was just taken or changed. Please choose again.</source>
        <translation>您选择的内容刚刚已被占用或发生变化，请重新选择。</translation>
    </message>
    <message>
        <location filename="../../kiosk/his/errors.py" line="44"/>
        <source>The hospital system did not accept this request.</source>
        <translation>医院系统未受理此请求。</translation>
    </message>
    <message>
        <location filename="../../kiosk/his/errors.py" line="55"/>
        <source>More than one record matches your card. Please go to the service counter.</source>
        <translation>您的卡片对应多条记录，请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/his/errors.py" line="64"/>
        <source>The hospital system is not responding right now. Please try again in a few minutes.</source>
        <translation>医院系统暂时无响应，请几分钟后再试。</translation>
    </message>
</context>
<context>
    <name>flows</name>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="65"/>
        <source>Yes, that is me</source>
        <translation>是我本人</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="66"/>
        <source>No</source>
        <translation>不是</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="67"/>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="191"/>
        <source>Looking up your record…</source>
        <translation>正在查询您的就诊记录…</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="199"/>
        <source>Hello, %1. Is this you?</source>
        <translation>您好，%1。请确认是否为您本人？</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="200"/>
        <source>Please confirm</source>
        <translation>请确认身份</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="204"/>
        <source>There is no record for this ID card yet. Create one now with the card&apos;s details?</source>
        <translation>此身份证尚未建档。是否使用身份证信息立即建档？</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="208"/>
        <source>Create my record</source>
        <translation>立即建档</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="209"/>
        <source>New patient</source>
        <translation>新患者建档</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="216"/>
        <source>Creating your record…</source>
        <translation>正在为您建档…</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="221"/>
        <source>We could not find your record. Check the number, or use your ID card instead.</source>
        <translation>未找到您的就诊记录。请核对卡号，或改用身份证。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="223"/>
        <source>Not found</source>
        <translation>未找到记录</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="227"/>
        <source>More than one record matches. To keep your records apart, please go to the counter.</source>
        <translation>查到多条匹配记录。为避免信息混淆，请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="231"/>
        <source>Please go to the counter</source>
        <translation>请到人工窗口办理</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="236"/>
        <source>The hospital system is not answering. Try again, or go to the counter if it keeps failing.</source>
        <translation>医院系统暂无响应。请重试；如仍失败，请到人工服务窗口办理。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="240"/>
        <source>Please wait</source>
        <translation>请稍候</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="248"/>
        <source>Who are you?</source>
        <translation>请先识别身份</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="252"/>
        <source>Type your visit card number</source>
        <translation>请输入就诊卡号</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="253"/>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="255"/>
        <source>Visit card number</source>
        <translation>就诊卡号</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="259"/>
        <source>One moment</source>
        <translation>请稍候</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="266"/>
        <source>The card could not be read. Please take it out and try again.</source>
        <translation>无法读取卡片，请取出后重试。</translation>
    </message>
    <message>
        <location filename="../../kiosk/flows/identify.py" line="267"/>
        <source>That is not a health code. Please show your health code or card.</source>
        <translation>这不是健康码，请出示健康码或卡片。</translation>
    </message>
</context>
</TS>
